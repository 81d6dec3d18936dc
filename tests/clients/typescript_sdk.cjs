// A 2025-era client: the official TypeScript SDK 1.x (@modelcontextprotocol/sdk), Streamable HTTP,
// initialize handshake. Run with NODE_PATH pointing at the test tools' node_modules:
//
//   node typescript_sdk.cjs READ_ONLY_URL READ_WRITE_URL
//
// Against the read-only server: list tools, call every read tool, validate each structuredContent
// against the tool's outputSchema (JSON Schema 2020-12, ajv), and see a mutation refused with
// nothing written. Against the read-write server: write a collection and read it back.
// Exits non-zero with a message on the first thing that is wrong.
"use strict";

const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StreamableHTTPClientTransport } = require("@modelcontextprotocol/sdk/client/streamableHttp.js");
const Ajv2020 = require("ajv/dist/2020").default;

const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function textOf(result) {
  return (result.content || []).map((block) => block.text || "").join(" ");
}

async function connect(url) {
  const client = new Client({ name: "b2b-mcp-release-gate", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const tools = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool]));
  return { client, tools };
}

async function call(session, name, args) {
  const result = await session.client.callTool({ name, arguments: args });
  check(!result.isError, `${name} failed: ${textOf(result)}`);
  const schema = session.tools.get(name).outputSchema;
  check(schema, `${name} declares an outputSchema`);
  const validate = ajv.compile(schema);
  check(validate(result.structuredContent), `${name}: ${ajv.errorsText(validate.errors)}`);
  console.log(`ok   ${name} (structuredContent matches outputSchema)`);
  return result.structuredContent;
}

async function readOnly(url) {
  const session = await connect(url);
  const version = session.client.transport.protocolVersion;
  check(!session.tools.has("create_collection"), "mutations are not listed where they are off");
  const found = await call(session, "search_companies", { country: "Germany", industry: "SaaS", limit: 5 });
  const ids = found.companies.map((company) => company.id);
  check(ids.length > 0, "search_companies finds German SaaS companies");
  await call(session, "get_company", { id: ids[0] });
  const batch = await call(session, "get_companies_batch", { ids: ids.slice(0, 3) });
  check(batch.companies.length === Math.min(3, ids.length), "the batch returns every id asked for");
  await call(session, "ai_search", { query: "Fintech companies in France with 10-500 employees", limit: 5 });
  const collections = await call(session, "list_collections", {});
  const before = collections.collections.length;
  const absent = await session.client.callTool({ name: "get_collection_items", arguments: { collection_id: "col_absent" } });
  check(absent.isError && /no collection/.test(textOf(absent)), `unknown collection: ${textOf(absent)}`);
  console.log("ok   get_collection_items (unknown id answered not found)");
  const noDiscovery = await session.client.callTool({ name: "get_email_discovery", arguments: { request_id: "disc_absent" } });
  check(noDiscovery.isError && /no e-mail discovery/.test(textOf(noDiscovery)), `unknown discovery: ${textOf(noDiscovery)}`);
  console.log("ok   get_email_discovery (unknown id answered not found)");

  const refused = await session.client.callTool({ name: "create_collection", arguments: { name: "must not exist" } });
  check(refused.isError, "a mutation is refused where mutations are off");
  check(textOf(refused).includes("ALLOW_MUTATIONS=false"), `the refusal says why: ${textOf(refused)}`);
  const after = await call(session, "list_collections", {});
  check(after.collections.length === before, "the refused mutation wrote nothing");
  console.log("ok   create_collection refused, nothing written");
  await session.client.close();
  return version;
}

async function readWrite(url) {
  const session = await connect(url);
  const created = await call(session, "create_collection", { name: "From the TypeScript SDK" });
  const collection = created.collection.id;
  const added = await call(session, "add_to_collection", { collection_id: collection, company_ids: ["c_0000001"] });
  check(JSON.stringify(added.added) === '["c_0000001"]', `added: ${JSON.stringify(added)}`);
  const items = await call(session, "get_collection_items", { collection_id: collection });
  const ids = items.items.map((item) => item.company.id);
  check(JSON.stringify(ids) === '["c_0000001"]', `the write is visible to the next read: ${ids}`);
  console.log("ok   write then read");
  await session.client.close();
}

async function main() {
  const [readOnlyUrl, readWriteUrl] = process.argv.slice(2);
  const version = await readOnly(readOnlyUrl);
  await readWrite(readWriteUrl);
  console.log(`TYPESCRIPT SDK OK negotiated ${version}`);
}

main().catch((error) => {
  console.log(`FAIL ${error && error.message ? error.message : error}`);
  process.exit(1);
});
