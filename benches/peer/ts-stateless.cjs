// The throughput bench's peer (benches/throughput.rs): the official TypeScript SDK v2's stateless
// HTTP entry, `createMcpHandler` (@modelcontextprotocol/server) on plain node:http through the
// SDK's own Node adapter (`toNodeHandler`, @modelcontextprotocol/node), with the same loopback
// Host/Origin guards our server applies. It serves one tool that does no I/O: the tool, its
// input and output schemas (JSON Schema, checked by the SDK's validator) and its answer are the
// ones b2b-mcp gave for the bench's request, read from SPEC_FILE, so both servers parse, check
// and answer the same bytes. The handler returns that answer as it is (no work to build it).
//
//   NODE_PATH=$NODE_TOOLS/node_modules node ts-stateless.cjs PORT SPEC_FILE
//
// SPEC_FILE: {"tool": <b2b-mcp's tools/list entry>, "result": {"content": [...], "structuredContent": {...}}}
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const { McpServer, createMcpHandler, fromJsonSchema } = require("@modelcontextprotocol/server");
const { toNodeHandler, localhostHostValidation, localhostOriginValidation } = require("@modelcontextprotocol/node");

const [port, specFile] = process.argv.slice(2);
if (!port || !specFile) {
  console.error("usage: node ts-stateless.cjs PORT SPEC_FILE");
  process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(specFile, "utf8"));
const tool = spec.tool;
// Schemas are built once per process, as a deployed server defines them at module level.
const config = {
  title: tool.title,
  description: tool.description,
  inputSchema: fromJsonSchema(tool.inputSchema),
  outputSchema: fromJsonSchema(tool.outputSchema),
  annotations: tool.annotations,
};
const answer = { content: spec.result.content, structuredContent: spec.result.structuredContent };

// createMcpHandler asks the factory for a fresh server per request (stateless serving).
function factory() {
  const server = new McpServer({ name: "ts-peer", version: "1.0.0" });
  server.registerTool(tool.name, config, async () => answer);
  return server;
}

const handler = toNodeHandler(createMcpHandler(factory, { responseMode: "json" }));
const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();

http
  .createServer((req, res) => {
    if (!validateHost(req, res) || !validateOrigin(req, res)) return;
    handler(req, res);
  })
  .listen(Number(port), "127.0.0.1", () => console.error(`ts-stateless peer listening on 127.0.0.1:${port}`));
