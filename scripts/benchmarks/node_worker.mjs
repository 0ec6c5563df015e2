// One Node client in its own process: `node node_worker.mjs KIND URL CALL_UUID CALLS WARMUP`.
//
// Sends the same DTMF request sequentially, after a warm-up, and prints one JSON line: calls,
// wall time, this process's CPU time over the timed calls, and its peak RSS (VmHWM), like
// client_worker.py does for the Python clients. Each client is imported only by its own
// sender. Credentials come from BENCH_AUTH_ID / BENCH_AUTH_TOKEN; NODE_SDK_DIR is the folder
// where plivo (plivo-node) is installed.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const [kind, url, callUuid, calls, warmup] = process.argv.slice(2);
const authId = process.env.BENCH_AUTH_ID;
const authToken = process.env.BENCH_AUTH_TOKEN;
const DIGITS = "8743#";
const LEG = "aleg";
const path = `/v1/Account/${authId}/Call/${callUuid}/DTMF/`;

const SENDERS = {
  // What a developer writes without an SDK: post, check the status, decode the JSON.
  async fetch() {
    const authorization = `Basic ${Buffer.from(`${authId}:${authToken}`).toString("base64")}`;
    return async () => {
      const answer = await fetch(url + path, {
        method: "POST",
        headers: { Authorization: authorization, "Content-Type": "application/json" },
        body: JSON.stringify({ digits: DIGITS, leg: LEG }),
        signal: AbortSignal.timeout(5000),
      });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      return answer.json();
    };
  },
  async ours() {
    const { Client } = await import(new URL("../../generated/typescript/dist/index.js", import.meta.url));
    const client = new Client({ authId, authToken, baseUrl: url });
    return () => client.sendDigits(callUuid, { digits: DIGITS, leg: LEG });
  },
  // The official SDK, unmodified; its axios instances are pointed here, as in
  // tests/test_mock_clients.py (plivo-node ignores its `url` option for voice calls).
  async "plivo-node"() {
    const require = createRequire(`${resolve(process.env.NODE_SDK_DIR)}/node_modules/`);
    const axios = require(require.resolve("axios", { paths: [require.resolve("plivo")] }));
    const create = axios.create.bind(axios);
    axios.create = (...args) => {
      const instance = create(...args);
      instance.interceptors.request.use((config) => {
        config.url = config.url.replace(/^https:\/\/[^/]+/, url);
        config.proxy = false;
        return config;
      });
      return instance;
    };
    const plivo = require("plivo");
    const client = new plivo.Client(authId, authToken);
    return () => client.calls.sendDigits(callUuid, DIGITS, { leg: LEG });
  },
};

function peakRssKib() {
  const line = readFileSync("/proc/self/status", "ascii")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return line ? Number(line.split(/\s+/)[1]) : process.resourceUsage().maxRSS;
}

const send = await SENDERS[kind]();
for (let i = 0; i < Number(warmup); i++) await send();
const cpu = process.cpuUsage();
const started = process.hrtime.bigint();
for (let i = 0; i < Number(calls); i++) await send();
const wallS = Number(process.hrtime.bigint() - started) / 1e9;
const used = process.cpuUsage(cpu);
console.log(
  JSON.stringify({ kind, calls: Number(calls), wall_s: wallS, cpu_s: (used.user + used.system) / 1e6, rss_kib: peakRssKib() }),
);
