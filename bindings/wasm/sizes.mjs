// The size profile of a WebAssembly module: the code of each function by its name (from the
// module's name section, so run it on a module that still has one, e.g. cargo's output before
// wasm-bindgen and wasm-opt), grouped by crate and by kind (serde impls, drop glue, pest's
// generated rules), with each group's size gzipped on its own, and the data segments.
//
//   node sizes.mjs MODULE.wasm [TOP]        (TOP: how many of the largest functions to list)
//
// SIZES_ALL=FILE also writes every function to FILE, one per line: size, crate, name.
//
// The grouping is by the first crate a function's name mentions, the implementing type's for
// `<Type as Trait>::f`; generic code of `core` and `alloc` counts as theirs wherever it was
// instantiated. Sizes are of function bodies; the gzipped figures of groups do not add up to the
// module's (gzip finds repeats across groups too).

import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error("usage: node sizes.mjs MODULE.wasm [TOP]");
  process.exit(2);
}
const top = Number(topArg ?? 40);
const dumpAll = process.env.SIZES_ALL;
const bytes = readFileSync(file);

let pos = 8;
function uleb(buf, at) {
  let result = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    const b = buf[p++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return [result, p];
  }
}

const sections = [];
while (pos < bytes.length) {
  const id = bytes[pos];
  const [size, start] = uleb(bytes, pos + 1);
  sections.push({ id, start, end: start + size });
  pos = start + size;
}

let importedFunctions = 0;
const bodies = [];
const names = new Map();
let dataBytes = [];
for (const s of sections) {
  if (s.id === 2) {
    let [count, p] = uleb(bytes, s.start);
    for (let i = 0; i < count; i++) {
      let len;
      [len, p] = uleb(bytes, p);
      p += len;
      [len, p] = uleb(bytes, p);
      p += len;
      const kind = bytes[p++];
      if (kind === 0) {
        [, p] = uleb(bytes, p);
        importedFunctions++;
      } else if (kind === 1) {
        p++;
        const flags = bytes[p++];
        [, p] = uleb(bytes, p);
        if (flags & 1) [, p] = uleb(bytes, p);
      } else if (kind === 2) {
        const flags = bytes[p++];
        [, p] = uleb(bytes, p);
        if (flags & 1) [, p] = uleb(bytes, p);
      } else if (kind === 3) {
        p += 2;
      } else {
        [, p] = uleb(bytes, p);
      }
    }
  } else if (s.id === 10) {
    let [count, p] = uleb(bytes, s.start);
    for (let i = 0; i < count; i++) {
      const [size, body] = uleb(bytes, p);
      bodies.push(bytes.subarray(body, body + size));
      p = body + size;
    }
  } else if (s.id === 11) {
    dataBytes.push(bytes.subarray(s.start, s.end));
  } else if (s.id === 0) {
    const [nameLen, p0] = uleb(bytes, s.start);
    const name = bytes.subarray(p0, p0 + nameLen).toString("utf8");
    if (name !== "name") continue;
    let p = p0 + nameLen;
    while (p < s.end) {
      const sub = bytes[p];
      const [size, q] = uleb(bytes, p + 1);
      if (sub === 1) {
        let [count, r] = uleb(bytes, q);
        for (let i = 0; i < count; i++) {
          let index;
          let len;
          [index, r] = uleb(bytes, r);
          [len, r] = uleb(bytes, r);
          names.set(index, bytes.subarray(r, r + len).toString("utf8"));
          r += len;
        }
      }
      p = q + size;
    }
  }
}

/** A Rust symbol's readable name: legacy (`_ZN...E`) names demangled, v0 (`_R...`) names
 * reduced to `crate::…` (enough to group them). */
function demangle(name) {
  if (name.startsWith("_ZN")) {
    const parts = [];
    let p = 3;
    while (p < name.length && name[p] !== "E") {
      const digits = /^\d+/.exec(name.slice(p));
      if (!digits) break;
      p += digits[0].length;
      const len = Number(digits[0]);
      parts.push(name.slice(p, p + len));
      p += len;
    }
    const escapes = { LT: "<", GT: ">", RF: "&", BP: "*", C: ",", SP: "@", LP: "(", RP: ")" };
    return parts
      .filter((part) => !/^h[0-9a-f]{16}$/.test(part))
      .map((part) =>
        part
          .replace(/^_\$/, "$")
          .replace(/\$([A-Z]+)\$/g, (m, e) => escapes[e] ?? m)
          .replace(/\$u([0-9a-f]+)\$/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
          .replace(/\.\./g, "::"),
      )
      .join("::");
  }
  if (name.startsWith("_R")) {
    // The first crate root (`C`, an optional disambiguator `s…_`, then the length-prefixed
    // name) and the last identifier are enough to group and to recognise the function.
    const crate = /C(?:s[0-9a-zA-Z]*_)?(\d+)/.exec(name);
    const idents = [...name.matchAll(/(\d+)([A-Za-z_][A-Za-z0-9_]*)/g)]
      .map((m) => m[2].slice(0, Number(m[1])))
      .filter(Boolean);
    const crateName = crate ? name.substr(crate.index + crate[0].length, Number(crate[1])) : "?";
    return `${crateName}::…::${idents.at(-1) ?? ""}`;
  }
  return name;
}

/** The crate a (demangled) function name belongs to. */
function crateOf(name) {
  let n = name.replace(/::h[0-9a-f]{16}$/, "");
  if (n.startsWith("<")) {
    // `<Type as Trait>::f`: the type's crate, unless the type is a reference or std type and
    // the trait is not.
    let depth = 0;
    let i = 1;
    for (; i < n.length; i++) {
      if (n[i] === "<") depth++;
      else if (n[i] === ">") {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && n.startsWith(" as ", i)) break;
    }
    const type = n.slice(1, i).replace(/^(&mut |&|\*const |\*mut |\[|dyn |\()+/, "");
    const first = type.split("::")[0].split("<")[0];
    if (["core", "alloc", "std"].includes(first) || !type.includes("::")) {
      const trait = n.startsWith(" as ", i) ? n.slice(i + 4) : "";
      const traitCrate = trait.split("::")[0];
      if (traitCrate && !["core", "alloc", "std"].includes(traitCrate)) return traitCrate;
    }
    return first || "?";
  }
  return n.split("::")[0].split("<")[0] || "?";
}

function kindOf(name) {
  if (/drop_in_place/.test(name)) return "drop glue";
  if (/Deserializ|Visitor|SeqAccess|MapAccess|VariantAccess|EnumAccess|serde(_core)?::de::/.test(name)) {
    return "serde (reading)";
  }
  if (/serde(_core)?::ser::|as serde(_core)?::|_serde::|serde_json::/.test(name)) return "serde (writing)";
  if (/core::slice::sort::/.test(name)) return "sorting";
  if (/pest::|OrdoParser/.test(name)) return "pest";
  if (/core::fmt::|as core::fmt::/.test(name)) return "fmt";
  return "other";
}

const functions = bodies.map((body, i) => {
  const name = demangle(names.get(i + importedFunctions) ?? `func[${i + importedFunctions}]`);
  return { name, size: body.length, body, crate: crateOf(name), kind: kindOf(name) };
});

function group(key) {
  const groups = new Map();
  for (const f of functions) {
    const k = key(f);
    const g = groups.get(k) ?? { key: k, size: 0, count: 0, bodies: [] };
    g.size += f.size;
    g.count++;
    g.bodies.push(f.body);
    groups.set(k, g);
  }
  return [...groups.values()].sort((a, b) => b.size - a.size);
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (parts) => gzipSync(Buffer.concat(parts), { level: 9 }).length;
const codeSize = functions.reduce((a, f) => a + f.size, 0);
const dataSize = dataBytes.reduce((a, d) => a + d.length, 0);
console.log(`module ${kb(bytes.length)} (gzip ${kb(gzipSync(bytes, { level: 9 }).length)})`);
console.log(`code ${kb(codeSize)} in ${functions.length} functions (gzip ${kb(gz(functions.map((f) => f.body)))})`);
console.log(`data ${kb(dataSize)} (gzip ${kb(gz(dataBytes))})`);

function table(title, rows) {
  console.log(`\n| ${title} | functions | code | gzip alone |\n| --- | ---: | ---: | ---: |`);
  for (const g of rows) console.log(`| ${g.key} | ${g.count} | ${kb(g.size)} | ${kb(gz(g.bodies))} |`);
}
table("crate", group((f) => f.crate).slice(0, 30));
table("kind", group((f) => f.kind));
table("crate, kind", group((f) => `${f.crate}, ${f.kind}`).slice(0, 30));

console.log(`\nlargest functions:`);
for (const f of [...functions].sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`${String(f.size).padStart(8)}  ${f.name.replace(/::h[0-9a-f]{16}$/, "").slice(0, 200)}`);
}

if (dumpAll) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(dumpAll, functions.map((f) => `${f.size}\t${f.crate}\t${f.name}`).join("\n") + "\n");
}
