"""Release gate: drive an MCP endpoint with the official Python SDK (mcp 2.x), as an LLM client would.

    MCP_TOKEN=... python smoke.py URL [--token TOKEN] [--mode auto|legacy|2026-07-28] [--mutations] [--discovery]
        [--country DE]

Read-only by default: discover (or initialize), list tools, call every listed read tool with
arguments taken from the stage's own data, validate each structuredContent against the tool's
outputSchema, read a company resource and list prompts. Where the mutation tools are not listed
(mutations off), one is called anyway and must be refused with nothing written. `--mutations`
(only for a stage where writing a collection is acceptable) creates a collection, adds a company
and reads it back. request_email_discovery queues a paid provider job, so only `--discovery` (with
`--mutations`) calls it: one request for one contact, then get_email_discovery reads it back.

Exits non-zero on the first thing that is wrong, and prints one line per check.
make smoke URL=... TOKEN=... runs it against a deployed stage; the tests run it against `serve`.
"""

import argparse
import asyncio
import datetime
import os
import sys
import time

import httpx2
import jsonschema
import mcp
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

READ_TOOLS = [
    "search_companies",
    "get_company",
    "get_companies_batch",
    "ai_search",
    "list_collections",
    "get_collection_items",
    "get_email_discovery",
]
MUTATION_TOOLS = ["create_collection", "add_to_collection", "request_email_discovery"]
# Tools that act on the caller's own records: never listed to a caller nobody identified.
OWNER_TOOLS = ["list_collections", "get_collection_items", "get_email_discovery"]
DISCOVERY_STATUSES = ["queued", "running", "completed", "failed"]


class SmokeFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise SmokeFailure(message)


def text_of(result):
    return " ".join(getattr(block, "text", "") for block in result.content)


class Smoke:
    def __init__(self, client, tools, anonymous):
        self.client = client
        self.tools = tools
        self.anonymous = anonymous

    async def call(self, name, arguments, expect_error=False, saying=""):
        started = time.monotonic()
        result = await self.client.call_tool(name, arguments)
        elapsed = (time.monotonic() - started) * 1000
        if expect_error:
            check(result.is_error, f"{name} should have been refused: {result.structured_content}")
            check(saying in text_of(result), f"{name}: the refusal should say {saying!r}: {text_of(result)}")
            print(f"ok   {name:<24} refused as expected ({elapsed:.0f} ms): {text_of(result)}")
            return result
        check(not result.is_error, f"{name} failed: {text_of(result)}")
        schema = self.tools[name].output_schema
        check(schema is not None, f"{name} declares an outputSchema")
        check(result.structured_content is not None, f"{name} returns structuredContent")
        try:
            jsonschema.validate(result.structured_content, schema)
        except jsonschema.ValidationError as e:
            raise SmokeFailure(f"{name}: structuredContent does not match its outputSchema: {e.message}") from e
        print(f"ok   {name:<24} {elapsed:.0f} ms, structuredContent matches outputSchema")
        return result

    async def reads_from_the_stages_own_data(self, country):
        search = await self.call("search_companies", {"country": country, "limit": 5})
        ids = [c["id"] for c in search.structured_content["companies"]]
        check(ids, f"search_companies found no company in {country}; pass --country with one the stage has")
        company = await self.call("get_company", {"id": ids[0]})
        check(company.structured_content["id"] == ids[0], f"get_company answers for {ids[0]}")
        batch = await self.call("get_companies_batch", {"ids": ids[:3]})
        found = [c["id"] for c in batch.structured_content["companies"]]
        check(sorted(found) == sorted(ids[:3]), f"get_companies_batch returns the ids asked for: {found}")
        ai = await self.call("ai_search", {"query": f"Software companies in {country} with 10-500 employees", "limit": 3})
        check("companies" in ai.structured_content, "ai_search returns companies")
        if self.anonymous:
            # A route with no caller identity must not reach anyone's collections.
            await self.call("list_collections", {}, expect_error=True, saying="authenticated caller")
            return ids
        collections = await self.call("list_collections", {})
        listed = collections.structured_content["collections"]
        if listed:
            await self.call("get_collection_items", {"collection_id": listed[0]["id"]})
        else:
            # No collection to read: the call must still reach the backend and answer not found.
            await self.call("get_collection_items", {"collection_id": "col_smoke_absent"}, expect_error=True)
        # No discovery is requested here (a paid job): an id nobody has must answer not found.
        absent = {"request_id": "disc_smoke_absent"}
        await self.call("get_email_discovery", absent, expect_error=True, saying="no e-mail discovery")
        return ids

    async def resources_and_prompts(self, company_id):
        resource = await self.client.read_resource(f"company://{company_id}")
        check(resource.contents and company_id in resource.contents[0].text, "company resource carries the company")
        print(f"ok   resources/read           company://{company_id}")
        prompts = await self.client.list_prompts()
        check(prompts.prompts, "prompts are listed")
        print(f"ok   prompts/list             {', '.join(p.name for p in prompts.prompts)}")

    async def refusal_when_mutations_are_off(self):
        name = f"smoke refusal {datetime.datetime.now(datetime.UTC).isoformat()}"
        await self.call("create_collection", {"name": name}, expect_error=True)
        if self.anonymous:
            return
        after = await self.client.call_tool("list_collections", {"limit": 100})
        names = [c["name"] for c in after.structured_content["collections"]]
        check(name not in names, "the refused create_collection wrote nothing")
        print("ok   refused mutation           nothing written")

    async def write_and_read_back(self, company_id):
        name = f"smoke {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        created = await self.call("create_collection", {"name": name})
        collection = created.structured_content["collection"]["id"]
        added = await self.call("add_to_collection", {"collection_id": collection, "company_ids": [company_id]})
        check(added.structured_content["added"] == [company_id], f"added: {added.structured_content}")
        items = await self.call("get_collection_items", {"collection_id": collection})
        ids = [item["company"]["id"] for item in items.structured_content["items"]]
        check(ids == [company_id], f"the write is visible to the next read: {ids}")
        print(f"ok   write then read            collection {collection} holds {company_id}")

    async def discovery_and_its_result(self, company_id):
        """One paid request (one contact), read back with get_email_discovery: the same request,
        a known status, and contacts of the documented shape (none before it completes)."""
        started = time.monotonic()
        requested = await self.client.call_tool("request_email_discovery", {"company_id": company_id, "max_contacts": 1})
        if requested.is_error and "cannot ask" in text_of(requested):
            # The stage asks the person first, and this client (2025-era) cannot: refused, as
            # CONFIRM_FALLBACK=refuse says; nothing was queued.
            print(f"ok   paid call refused          this client cannot confirm it: {text_of(requested)}")
            return
        check(not requested.is_error, f"request_email_discovery failed: {text_of(requested)}")
        print(f"ok   request_email_discovery    ({(time.monotonic() - started) * 1000:.0f} ms) {text_of(requested)}")
        request_id = requested.structured_content["request_id"]
        read = await self.call("get_email_discovery", {"request_id": request_id})
        found = read.structured_content
        check(found["request_id"] == request_id and found["company_id"] == company_id, f"the same request: {found}")
        check(found["status"] in DISCOVERY_STATUSES, f"a known status: {found['status']}")
        contacts = found["contacts"]
        check(len(contacts) <= 1, f"at most max_contacts contacts: {len(contacts)}")
        check(found["status"] == "completed" or not contacts, f"contacts only once completed: {found['status']}")
        for contact in contacts:
            fields = {"name", "title", "department", "email", "confidence"}
            check(set(contact) == fields, f"contact fields: {sorted(contact)}")
            check("@" in contact["email"] and 0 <= contact["confidence"] <= 1, "a contact has an address and a confidence")
        print(f"ok   discovery then read        {request_id} is {found['status']} ({len(contacts)} contact(s))")


async def say_yes(context, params):
    print(f"ok   confirmation asked         {params.message}")
    return mcp.types.ElicitResult(action="accept", content={"confirm": True})


async def refused_by_the_gateway(http, url):
    """A plain discover request first, so that a missing or rejected token is reported as such
    (the SDK reports any HTTP error as a generic protocol error)."""
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    response = await http.post(
        url,
        json={"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {"_meta": meta}},
        headers={
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "server/discover",
        },
    )
    if response.status_code in (401, 403):
        challenge = response.headers.get("www-authenticate", "")
        hint = "pass TOKEN=... (or MCP_TOKEN)" if response.status_code == 401 else "the token is not allowed here"
        raise SmokeFailure(f"HTTP {response.status_code} from {url}: {hint}; WWW-Authenticate: {challenge or '-'}")


async def run(args):
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else None
    async with create_mcp_http_client(headers=headers, timeout=httpx2.Timeout(30.0)) as http:
        await refused_by_the_gateway(http, args.url)
        transport = streamable_http_client(args.url, http_client=http)
        # --discovery is the operator's yes to the one paid request: where the stage asks the
        # person first (CONFIRM_TOOLS), this client answers the question with yes and prints it.
        options = {"elicitation_callback": say_yes} if args.discovery else {}
        async with mcp.Client(transport, mode=args.mode, **options) as client:
            print(f"ok   connected                  protocol {client.protocol_version} (mode {args.mode})")
            tools = {t.name: t for t in (await client.list_tools()).tools}
            print(f"ok   tools/list                 {len(tools)} tools: {', '.join(tools)}")
            expected = [t for t in READ_TOOLS if not (args.anonymous and t in OWNER_TOOLS)]
            missing = [t for t in expected if t not in tools]
            check(not missing, f"read tools missing from tools/list: {missing}")
            if args.anonymous:
                shown = [t for t in OWNER_TOOLS + MUTATION_TOOLS if t in tools]
                check(not shown, f"an anonymous caller is shown per-caller tools: {shown}")
            smoke = Smoke(client, tools, args.anonymous)
            ids = await smoke.reads_from_the_stages_own_data(args.country)
            await smoke.resources_and_prompts(ids[0])
            mutations_listed = [t for t in MUTATION_TOOLS if t in tools]
            if not mutations_listed:
                await smoke.refusal_when_mutations_are_off()
            elif args.mutations:
                await smoke.write_and_read_back(ids[0])
                if args.discovery:
                    await smoke.discovery_and_its_result(ids[0])
            else:
                print(f"skip mutations                 listed ({', '.join(mutations_listed)}); pass --mutations to write")
            if args.mutations and not mutations_listed:
                raise SmokeFailure("--mutations was asked for, but this stage lists no mutation tools")
            return client.protocol_version


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument(
        "--token",
        default=os.environ.get("MCP_TOKEN") or None,
        help="bearer token for the stage's JWT route (default: $MCP_TOKEN, which keeps it out of ps)",
    )
    parser.add_argument("--mode", default="auto", choices=["auto", "legacy", "2026-07-28"])
    parser.add_argument("--mutations", action="store_true", help="also create a collection and write to it")
    parser.add_argument(
        "--discovery",
        action="store_true",
        help="with --mutations: also request one (paid) e-mail discovery and read it back with get_email_discovery",
    )
    parser.add_argument("--country", default="DE", help="a country the stage has companies in")
    parser.add_argument(
        "--anonymous",
        action="store_true",
        help="the route carries no caller identity (a stage with ALLOW_ANONYMOUS_READS): per-caller tools are not listed and refuse",
    )
    args = parser.parse_args()
    if args.discovery and not args.mutations:
        parser.error("--discovery requests a discovery, which is a mutation: pass --mutations too")
    try:
        version = asyncio.run(run(args))
    except Exception as e:  # noqa: BLE001 - every failure ends the gate with one clear line
        print(f"FAIL {describe(e)}")
        sys.exit(1)
    print(f"SMOKE OK negotiated {version}")


def describe(error):
    """The first failure inside the SDK's task-group wrappers, as one line."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, SmokeFailure):
        return str(error)
    if isinstance(error, mcp.MCPError):
        return f"protocol error: {error}"
    if isinstance(error, httpx2.HTTPError):
        return f"could not talk to the server: {type(error).__name__}: {error}"
    return f"{type(error).__name__}: {error}"


if __name__ == "__main__":
    main()
