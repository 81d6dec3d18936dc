"""Drive the MCP server with the official Python SDK (mcp 2.x), in both protocol eras.

Usage: python_sdk.py MODE READ_ONLY_URL READ_WRITE_URL
MODE is "2026-07-28" (stateless, server/discover) or "legacy" (the 2025 initialize handshake).
Exits non-zero with a message on the first thing that is wrong.
"""

import asyncio
import sys

import jsonschema
import mcp

READ_CALLS = {
    "search_companies": {"country": "Germany", "industry": "SaaS", "limit": 5},
    "get_company": {"id": "c_0000001"},
    "get_companies_batch": {"ids": ["c_0000001", "c_0000002", "c_9999999"]},
    "ai_search": {"query": "Fintech companies in France with 10-500 employees", "limit": 5},
    "list_collections": {},
}


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAIL: {message}")


async def read_only(url, mode):
    async with mcp.Client(url, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        check("create_collection" not in tools, "mutations are not listed where they are off")
        for name, args in READ_CALLS.items():
            result = await client.call_tool(name, args)
            check(not result.is_error, f"{name} failed: {result.content}")
            schema = tools[name].output_schema
            check(schema is not None, f"{name} has an outputSchema")
            jsonschema.validate(result.structured_content, schema)
        result = await client.call_tool("create_collection", {"name": "should not exist"})
        check(result.is_error, "a mutation is refused where mutations are off")
        check("ALLOW_MUTATIONS=false" in result.content[0].text, f"refusal says why: {result.content}")
        return client.protocol_version


async def read_write(url, mode):
    async with mcp.Client(url, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        created = await client.call_tool("create_collection", {"name": f"From {mode}"})
        check(not created.is_error, f"create_collection: {created.content}")
        jsonschema.validate(created.structured_content, tools["create_collection"].output_schema)
        collection = created.structured_content["collection"]["id"]
        added = await client.call_tool("add_to_collection", {"collection_id": collection, "company_ids": ["c_0000001"]})
        check(added.structured_content["added"] == ["c_0000001"], f"added: {added.structured_content}")
        items = await client.call_tool("get_collection_items", {"collection_id": collection})
        jsonschema.validate(items.structured_content, tools["get_collection_items"].output_schema)
        ids = [i["company"]["id"] for i in items.structured_content["items"]]
        check(ids == ["c_0000001"], f"the write is visible to the next read: {ids}")


async def main():
    mode, read_only_url, read_write_url = sys.argv[1:4]
    version = await read_only(read_only_url, mode)
    await read_write(read_write_url, mode)
    print(f"OK {mode} negotiated {version}")


asyncio.run(main())
