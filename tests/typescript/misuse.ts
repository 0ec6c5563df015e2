// Misuses that `tsc --strict` must reject, each on the line marked `// tsc: TSnnnn @word`,
// with that error code at that word, and no other line: checked by typing.test.mjs; never
// run. usage.ts holds what must compile.
import { Client } from "../../generated/typescript/dist/index.js";
import type { SendDigitsRequest } from "../../generated/typescript/dist/index.js";

const CALL = "eba53b9e-8fbd-45c1-9444-696d2172fbc8";

export async function misuse(client: Client): Promise<void> {
  // A misspelt field would be ignored by the server, which then plays on the default leg.
  await client.sendDigits(CALL, { digits: "9", legs: "bleg" }); // tsc: TS2322 @legs
  await client.sendDigits(CALL, { digits: "9", callbackUrl: "https://example.com/cb" }); // tsc: TS2322 @callbackUrl
  const typo = { digits: "9", legs: "bleg" } as const;
  await client.sendDigits(CALL, typo); // tsc: TS2345 @typo
  await client.sendDigits(CALL, { digits: "9", leg: "both" }); // tsc: TS2322 @leg
  await client.sendDigits(CALL, { leg: "bleg" }); // tsc: TS2345 @{
}

// The request body's type is closed: no index signature lets an unknown name through.
export const closed: SendDigitsRequest = { digits: "9", legs: "bleg" }; // tsc: TS2561 @legs
