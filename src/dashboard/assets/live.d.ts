// Imported `with { type: "file" }` by ../assets.ts: the path of the embedded script (TypeScript
// reads this beside live.js, which it would otherwise type as an untyped module).
declare const path: string;
export default path;
