#!/usr/bin/env python3
"""`make deploy` guard: refuses a stage whose samconfig.toml parameters still hold the EXAMPLE
placeholders, which would deploy a stage that cannot reach the platform.

usage: check-samconfig.py STAGE [samconfig.toml]
"""
import sys
import tomllib


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip().splitlines()[-1])
    stage = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) == 3 else "samconfig.toml"
    with open(path, "rb") as f:
        overrides = tomllib.load(f)[stage]["deploy"]["parameters"]["parameter_overrides"]
    if "EXAMPLE" in overrides:
        sys.exit(f"{path}: replace the EXAMPLE placeholders in [{stage}.deploy.parameters] first")


if __name__ == "__main__":
    main()
