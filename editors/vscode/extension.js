// Starts `ordo lsp` for .ordo files (the path of `ordo` is the `ordo.server.path` setting).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("ordo").get("server.path", "ordo");
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "ordo",
    "ordo",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "ordo" }, { scheme: "untitled", language: "ordo" }] }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
