// src/schema.ts: openapi-typescript's types of the spec, as its CLI writes them, except that
// each enum the client parses (scripts/open_enums.py) is open: its union of listed values
// plus `string & {}`, so that a value a newer provider adds type-checks and editors still
// offer the listed ones. Run by scripts/generate_typescript.py:
//   node schema-types.mjs <tools node_modules> <spec> <output> <JSON list of {object, name}>
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, spec, output, positions] = process.argv.slice(2);
const load = (name, file) => import(pathToFileURL(path.join(modules, name, file)).href);
const { default: openapiTS, astToString, COMMENT_HEADER } = await load(
  "openapi-typescript",
  "dist/index.mjs",
);
const { default: ts } = await load("typescript", "lib/typescript.js");

// Keyed by the object's pointer: openapi-typescript calls no hook on a property that is a
// bare $ref (DigitsSentCallback.leg), so each property is rewritten in its object's type.
const open = new Map();
for (const { object, name } of JSON.parse(positions)) {
  open.set(object, [...(open.get(object) ?? []), name]);
}
const seen = new Set();
const unknownString = ts.factory.createIntersectionTypeNode([
  ts.factory.createKeywordTypeNode(ts.SyntaxKind.StringKeyword),
  ts.factory.createTypeLiteralNode([]),
]);
const ast = await openapiTS(pathToFileURL(path.resolve(spec)), {
  defaultNonNullable: false,
  silent: true,
  postTransform(type, options) {
    const names = open.get(options.path);
    if (names === undefined || !ts.isTypeLiteralNode(type)) return undefined;
    const members = type.members.map((member) => {
      const name = member.name?.text;
      if (!ts.isPropertySignature(member) || !names.includes(name) || member.type === undefined) {
        return member;
      }
      seen.add(`${options.path} ${name}`);
      const widened = ts.factory.createUnionTypeNode([member.type, unknownString]);
      return ts.factory.updatePropertySignature(member, member.modifiers, member.name, member.questionToken, widened);
    });
    return ts.factory.updateTypeLiteralNode(type, ts.factory.createNodeArray(members));
  },
});
const missed = [...open].flatMap(([object, names]) =>
  names.map((name) => `${object} ${name}`).filter((position) => !seen.has(position)),
);
if (missed.length > 0) {
  console.error(`schema-types: no type was written for ${missed.join(", ")}`);
  process.exit(1);
}
fs.writeFileSync(output, `${COMMENT_HEADER}${astToString(ast)}`, "utf8");
