// The SDK is for browsers and React Native as much as for Node: bundled for browsers from the package's built
// entry, it must pull in no Node built-in (esbuild refuses to resolve one) and get the Firebase SDK's browser
// builds, not its Node ones.
import { describe, expect, it } from "vitest";
import { bundleForBrowsers } from "./bundle.ts";

describe("browser bundle", () => {
  it("bundles from the package's built entry with no Node built-in, on the Firebase SDK's browser builds", async () => {
    const { metafile, bytes } = await bundleForBrowsers();
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.some((p) => p.endsWith("client-sdk/dist/index.js"))).toBe(true);
    expect(inputs.filter((p) => p.includes("client-sdk/src/"))).toEqual([]);
    expect(inputs.filter((p) => /\.node\.(m?js|cjs)$|[/\\]node[/\\]|node-esm/.test(p))).toEqual([]);
    expect(inputs.some((p) => p.includes("@firebase/firestore/dist/index.esm"))).toBe(true);
    expect(bytes).toBeGreaterThan(0);
  });
});
