// The mock Plivo as a real process for the TypeScript client's tests: `python -m plivo_mock`
// on a free loopback port, polled on /__mock__/health with a deadline (as
// scripts/plivo_mock/testing.py does for the Python tests), stopped with SIGTERM.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const PYTHON = process.env.PLIVO_MOCK_PYTHON ?? `${ROOT}.venv/bin/python`;

// The mock's embedded account and live calls (scripts/plivo_mock/config.py).
export const AUTH_ID = "MAMOCKDTMF0000000001";
export const AUTH_TOKEN = "mock-token-0001";
export const BRIDGED_CALL_UUID = "eba53b9e-8fbd-45c1-9444-696d2172fbc8";
export const UNBRIDGED_CALL_UUID = "a1b2c3d4-0000-4000-8000-000000000001";

const AUTHORIZATION = `Basic ${Buffer.from(`${AUTH_ID}:${AUTH_TOKEN}`).toString("base64")}`;

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

export class Mock {
  static async start(deadlineMs = 15_000) {
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PLIVO_")));
    const child = spawn(PYTHON, ["-m", "plivo_mock", "--port", String(port), "--no-access-log"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    child.stdout.on("data", (chunk) => (log += chunk));
    child.stderr.on("data", (chunk) => (log += chunk));
    const mock = new Mock(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the mock exited with ${child.exitCode}:\n${log}`);
      try {
        if ((await fetch(`${mock.baseUrl}/__mock__/health`)).status === 200) return mock;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await mock.stop();
        throw new Error(`the mock was not healthy within ${deadlineMs} ms:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  constructor(child, baseUrl) {
    this.child = child;
    this.baseUrl = baseUrl;
  }

  async control(method, path, body) {
    const init = { method, headers: { Authorization: AUTHORIZATION } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const answer = await fetch(`${this.baseUrl}/__mock__/${path}`, init);
    const text = await answer.text();
    if (!answer.ok) throw new Error(`${method} /__mock__/${path}: ${answer.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  reset() {
    return this.control("POST", "reset");
  }

  /** The digits the mock played on a call, oldest first. */
  async events(callUuid = BRIDGED_CALL_UUID) {
    return (await this.control("GET", `calls/${callUuid}/events`)).events;
  }

  /** Arm a fault (openapi/mock-control.yaml FaultRequest) on the bridged call. */
  inject(fault) {
    return this.control("POST", "faults", { call_uuid: BRIDGED_CALL_UUID, ...fault });
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, "exit");
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
