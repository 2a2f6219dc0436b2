// Tokenises every .ordo file under the given folders with the TextMate grammar, as VS Code does,
// and fails when a token gets no scope of its own, when a keyword or a literal gets the wrong
// one, or when anything is marked invalid.
const fs = require("fs");
const path = require("path");
const textmate = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const grammarPath = path.join(__dirname, "..", "syntaxes", "ordo.tmLanguage.json");
const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"));

// Declaration keywords always take a keyword scope where they start a line.
const DECLARATIONS = ["ruleset", "enum", "input", "table", "bands", "decision", "let", "output",
  "constraint", "approval", "workflow", "trigger", "test", "type", "fn", "roles", "calendar", "price"];
const CONTROL = ["if", "then", "else", "match", "implies", "and", "or", "not"];

function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : files(full);
    return entry.name.endsWith(".ordo") ? [full] : [];
  });
}

async function main() {
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath),
  });
  const grammar = await registry.loadGrammar("source.ordo");
  const failures = [];
  let tokens = 0;
  const targets = process.argv.slice(2).flatMap((dir) => files(dir));
  if (targets.length === 0) throw new Error("no .ordo files found");
  for (const file of targets) {
    const lines = fs.readFileSync(file, "utf8").split("\n");
    let state = textmate.INITIAL;
    lines.forEach((line, number) => {
      const result = grammar.tokenizeLine(line, state);
      state = result.ruleStack;
      for (const token of result.tokens) {
        const text = line.slice(token.startIndex, token.endIndex);
        if (text.trim() === "") continue;
        tokens += 1;
        const scopes = token.scopes.slice(1);
        const where = `${file}:${number + 1}:${token.startIndex + 1} \`${text}\``;
        const has = (prefix) => scopes.some((s) => s.startsWith(prefix));
        if (scopes.length === 0) failures.push(`${where}: no scope`);
        if (has("invalid")) failures.push(`${where}: invalid (${scopes.join(" ")})`);
        const word = text.trim();
        const inComment = has("comment");
        const inString = has("string") && !has("meta.interpolation");
        if (inComment || inString) continue;
        if (DECLARATIONS.includes(word) && token.startIndex === line.search(/\S/) && !has("keyword"))
          failures.push(`${where}: a declaration keyword, got ${scopes.join(" ")}`);
        if (CONTROL.includes(word) && !has("keyword"))
          failures.push(`${where}: a keyword, got ${scopes.join(" ")}`);
        if (["true", "false", "none"].includes(word) && !has("constant.language"))
          failures.push(`${where}: a constant, got ${scopes.join(" ")}`);
        if (/^\d/.test(word) && !has("constant.numeric"))
          failures.push(`${where}: a number, got ${scopes.join(" ")}`);
      }
      // Strings open and close on their line (the language has no multi-line strings).
      if (state.depth !== undefined && state.depth > 1 && !line.trim().startsWith("//"))
        failures.push(`${file}:${number + 1}: a string or interpolation left open`);
    });
  }
  if (failures.length > 0) {
    console.error(failures.slice(0, 50).join("\n"));
    console.error(`${failures.length} problem(s) in ${targets.length} files`);
    process.exit(1);
  }
  console.log(`${tokens} tokens in ${targets.length} files: every one scoped`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
