// Files imported `with { type: "file" }`: Bun resolves them to a path (inside the compiled binary
// when built with --compile), read with Bun.file.

declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const path: string;
  export default path;
}
declare module "swagger-ui-dist/favicon-32x32.png" {
  const path: string;
  export default path;
}

// The dashboard's own assets (src/dashboard/assets/), served from the binary by src/dashboard/assets.ts.
declare module "*.css" {
  const path: string;
  export default path;
}
