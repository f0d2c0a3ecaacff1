// The official MCP SDK client against the real daemon, over stdio
// (`trusty-search serve`) and over Streamable HTTP (/mcp): the whole tool
// roster is listed and every tool is called on a small fixture repository.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const BIN = process.env.TRUSTY_BIN ?? path.resolve("../../build/trusty-search");
const ROSTER = ["search", "search_code", "search_all", "search_similar", "grep", "get_call_chain",
  "index_file", "remove_file", "list_indexes", "create_index", "delete_index", "reindex",
  "index_status", "list_chunks", "search_health"];

let tmp, data, repo, other, big;
const cli = (...args) => execFileSync(BIN, ["--data-dir", data, ...args], { encoding: "utf8" });

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ts-mcp-"));
  data = path.join(tmp, "data");
  repo = path.join(tmp, "repo");
  other = path.join(tmp, "other");
  fs.mkdirSync(path.join(repo, "pkg"), { recursive: true });
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(repo, "pkg/config.py"),
    "def parse_config_file(path):\n    \"\"\"Read the configuration.\"\"\"\n    return open(path).read()\n");
  fs.writeFileSync(path.join(repo, "pkg/tokens.ts"),
    "export function tokenizeQuery(text: string): string[] {\n  return text.split(' ');\n}\n");
  fs.writeFileSync(path.join(other, "extra.go"), "package x\n\nfunc ExtraHelper() int {\n\treturn 1\n}\n");
  big = path.join(tmp, "big");
  for (let i = 0; i < 400; i++) {
    fs.mkdirSync(path.join(big, `d${i % 20}`), { recursive: true });
    fs.writeFileSync(path.join(big, `d${i % 20}/m${i}.py`),
      `def generated_function_${i}(x):\n    return x + ${i}\n`.repeat(30));
  }
  cli("index", repo, "--name", "fx");
});

after(() => {
  try { cli("stop"); } catch {}
  fs.rmSync(tmp, { recursive: true, force: true });
});

const text = (r) => r.content.map((c) => c.text).join("");

async function exercise(client) {
  const listed = await client.listTools();
  const names = listed.tools.map((t) => t.name);
  for (const n of ROSTER) assert.ok(names.includes(n), `tools/list lacks ${n}`);
  for (const t of listed.tools) {
    assert.equal(t.inputSchema.type, "object", t.name);
    assert.ok(t.description.length > 20, t.name);
  }

  const call = (name, args = {}) => client.callTool({ name, arguments: args });

  let r = await call("search", { index: "fx", query: "parse config file" });
  assert.equal(r.isError, false, text(r));
  assert.equal(r.structuredContent.results[0].file, "pkg/config.py");
  assert.match(text(r), /^pkg\/config\.py:1-3  parse_config_file/);
  r = await call("search_code", { index: "fx", query: "tokenizeQuery", max_bytes: 300 });
  assert.equal(r.structuredContent.results[0].function_name, "tokenizeQuery");
  assert.ok(text(r).length <= 400);

  r = await call("search", { index: "nope", query: "x" });
  assert.equal(r.isError, true);
  assert.match(text(r), /no index named 'nope'.*fx/);
  r = await call("search", { index: "fx" });
  assert.equal(r.isError, true);
  assert.match(text(r), /missing argument 'query'/);

  r = await call("list_indexes");
  assert.match(text(r), /^fx  /);
  r = await call("search_health");
  assert.equal(r.structuredContent.status, "ok");
  r = await call("index_status", { index: "fx" });
  assert.equal(r.structuredContent.files, 2);
  r = await call("list_chunks", { index: "fx", file: "pkg/config.py" });
  assert.equal(r.structuredContent.chunks[0].function_name, "parse_config_file");

  fs.writeFileSync(path.join(repo, "pkg/added.py"), "def freshly_written_function():\n    return 1\n");
  r = await call("index_file", { index: "fx", path: "pkg/added.py" });
  assert.equal(r.isError, false, text(r));
  r = await call("search", { index: "fx", query: "freshly_written_function" });
  assert.equal(r.structuredContent.results[0].file, "pkg/added.py");
  r = await call("remove_file", { index: "fx", path: "pkg/added.py" });
  assert.equal(r.isError, false, text(r));
  r = await call("search", { index: "fx", query: "freshly_written_function" });
  assert.ok(!r.structuredContent.results.some((h) => h.file === "pkg/added.py"));
  fs.rmSync(path.join(repo, "pkg/added.py"));  // or the watcher brings it back, as it should

  r = await call("reindex", { index: "fx" });
  assert.equal(r.isError, false, text(r));
  assert.match(text(r), /ready/);

  r = await call("create_index", { path: other, name: "other" });
  assert.equal(r.isError, false, text(r));
  r = await call("search_all", { query: "ExtraHelper parse config" });
  const ids = new Set(r.structuredContent.results.map((h) => h.index_id));
  assert.ok(ids.has("other") && ids.has("fx"), JSON.stringify([...ids]));
  r = await call("delete_index", { index: "other" });
  assert.equal(r.isError, false, text(r));

  // A long call reports progress when the client asks for it.
  const progress = [];
  r = await client.callTool({ name: "create_index", arguments: { path: big, name: "big" } }, undefined,
                            { onprogress: (p) => progress.push(p), timeout: 300000 });
  assert.equal(r.isError, false, text(r));
  assert.ok(progress.length >= 1, "no progress notifications");
  assert.equal(r.structuredContent.files, 400);
  await call("delete_index", { index: "big" });

  // grep answers as ripgrep prints, with the structured result beside it.
  r = await call("grep", { index: "fx", pattern: "def \\w+_file", context: 1 });
  assert.equal(r.isError, false, text(r));
  assert.equal(text(r), "pkg/config.py:1:def parse_config_file(path):\n" +
                        "pkg/config.py-2-    \"\"\"Read the configuration.\"\"\"\n");
  assert.equal(r.structuredContent.matches, 1);
  r = await call("grep", { index: "fx", pattern: "TOKENIZE", ignore_case: true, files_with_matches: true });
  assert.equal(text(r), "pkg/tokens.ts\n");
  r = await call("grep", { index: "fx", pattern: "a(b" });
  assert.equal(r.isError, true);
  assert.match(text(r), /invalid pattern/);

  // The symbol graph: a call tree with file:line, and chunks related to a chunk.
  r = await call("get_call_chain", { index: "fx", symbol: "parse_config_file", direction: "both", depth: 2 });
  assert.equal(r.isError, false, text(r));
  assert.match(text(r), /^parse_config_file  pkg\/config\.py:1/);
  assert.equal(r.structuredContent.roots[0].file, "pkg/config.py");
  r = await call("get_call_chain", { index: "fx", symbol: "no_such_function" });
  assert.equal(r.isError, true);
  assert.match(text(r), /no definition named/);
  const chunk = (await call("list_chunks", { index: "fx", file: "pkg/config.py" })).structuredContent.chunks[0];
  r = await call("search_similar", { index: "fx", id: chunk.id });
  assert.equal(r.isError, false, text(r));
  assert.ok(Array.isArray(r.structuredContent.results));
  r = await call("search_similar", { index: "fx", id: "0000000000000000" });
  assert.equal(r.isError, true);
  assert.match(text(r), /no chunk/);
}

test("stdio: roster and every tool", async () => {
  const transport = new StdioClientTransport({ command: BIN, args: ["--data-dir", data, "serve"], stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (d) => { stderr += d; });
  const client = new Client({ name: "sdk-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    await exercise(client);
  } catch (e) {
    e.message += `\nserve's stderr: ${stderr}`;
    throw e;
  } finally {
    await client.close();
  }
});

test("streamable http: roster and every tool", async () => {
  const port = cli("port").trim();
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
  const client = new Client({ name: "sdk-test", version: "1.0.0" });
  await client.connect(transport);
  await exercise(client);
  await transport.terminateSession();
  await client.close();
});
