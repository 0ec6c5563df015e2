// Type-checked by `make test-typescript` (tsc --strict, never run): the README's example
// compiles, and what the spec forbids does not, because the types come from the spec.
import { createServer } from "node:http";

import { Client, NonceStore, NotFoundError, RateLimitError, WebhookError, verifyDigitsSent } from "../../generated/typescript/dist/index.js";
import type { DigitsSentCallback, SendDigitsAccepted, SendDigitsRequest } from "../../generated/typescript/dist/index.js";

export async function readmeExample(): Promise<SendDigitsAccepted | undefined> {
  const client = new Client(); // PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN, PLIVO_BASE_URL
  try {
    const sent = await client.sendDigits("eba53b9e-8fbd-45c1-9444-696d2172fbc8", { digits: "8743#", leg: "bleg" });
    console.log(sent.message, sent.api_id);
    return sent;
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof RateLimitError) {
      console.log(error.status, error.apiId, error.error);
      return undefined;
    }
    throw error;
  }
}

export const withCallback: SendDigitsRequest = {
  digits: "0",
  callback_url: "https://example.com/dtmf-sent",
  callback_method: "GET",
};

// Exact bodies (misuse.ts has the misspelt ones): a literal, a variable and a typed value pass.
export async function exactBodies(client: Client): Promise<void> {
  const bleg = { digits: "1w2", leg: "bleg" } as const;
  await client.sendDigits("eba53b9e-8fbd-45c1-9444-696d2172fbc8", bleg);
  await client.sendDigits("eba53b9e-8fbd-45c1-9444-696d2172fbc8", withCallback);
  await client.sendDigits("eba53b9e-8fbd-45c1-9444-696d2172fbc8", { digits: "0", callback_method: "POST" });
}

// @ts-expect-error `leg` is the spec's enum: aleg or bleg
export const wrongLeg: SendDigitsRequest = { digits: "1", leg: "both" };

// @ts-expect-error `digits` is required
export const noDigits: SendDigitsRequest = { leg: "aleg" };

// @ts-expect-error `callback_method` is GET or POST
export const wrongMethod: SendDigitsRequest = { digits: "1", callback_method: "PUT" };

// The README's "Verify the callbacks Plivo signs" example, line for line (webhooks.test.mjs checks).
export function readmeWebhookExample(): void {
  const nonces = new NonceStore(); // the nonces of accepted callbacks: a replay throws ReplayError
  createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer); // the raw body: it is signed
    try {
      const sent = verifyDigitsSent({ method: req.method ?? "", url: `https://example.com${req.url}`,
        headers: req.headers, body: Buffer.concat(chunks), authToken: process.env.PLIVO_AUTH_TOKEN ?? "", nonces });
      console.log(sent.call_uuid, sent.digits, sent.status); // typed: DigitsSentCallback
      res.end("ok");
    } catch (error) {
      res.writeHead(error instanceof WebhookError ? 403 : 500).end();
    }
  }).listen(8080);
}

// The README's "Values the spec does not list" example, line for line (open-enums.test.mjs checks).
export function describeAnswer(sent: SendDigitsAccepted): string {
  switch (sent.message) {
    case "digits sent":
      return "digits played";
    case "async api spawned":
      return "taken: the callback will tell";
    default: // newer than this client: the digits were taken; log it, do not send again
      return `taken (${sent.message})`;
  }
}

// Parsed enums are open: a value the spec does not list type-checks, and cannot be taken for a listed one.
export const unlistedMessage: SendDigitsAccepted["message"] = "digits queued";
export const unlistedStatus: DigitsSentCallback["status"] = "queued";
export function forgetsUnlisted(sent: SendDigitsAccepted): "digits sent" | "async api spawned" {
  // @ts-expect-error the message may be one this version does not list
  return sent.message;
}
