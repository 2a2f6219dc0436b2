#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test client whose exchange fails must stop loudly; answers are read by JSON index"
)]
//! `ordo lsp` driven as an editor drives it: JSON-RPC messages with `Content-Length` framing
//! over the server's standard input and output.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notifications: Vec<Value>,
}

impl Client {
    /// Starts the server and initialises it; `utf8` offers UTF-8 positions.
    fn start(utf8: bool) -> (Client, Value) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ordo"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("ordo lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut client = Client {
            child,
            stdin,
            stdout,
            next_id: 1,
            notifications: Vec::new(),
        };
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let result = client.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {"general": {"positionEncodings": encodings}}}),
        );
        client.notify("initialized", json!({}));
        (client, result)
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> Value {
        let mut length = None;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("header");
            assert!(!line.is_empty(), "the server closed its output");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = Some(value.parse::<usize>().expect("length"));
            }
        }
        let mut body = vec![0; length.expect("a Content-Length header")];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("JSON")
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its result (panics on an error response).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.receive();
            if message["id"] == json!(id) {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let position = self.notifications.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            });
            if let Some(position) = position {
                let notification = self.notifications.remove(position);
                return notification["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
            let message = self.receive();
            self.notifications.push(message);
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "ordo", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let status = self.child.wait().expect("exit");
        assert!(status.success());
    }
}

fn example(name: &str) -> (String, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join(format!("{name}.ordo"));
    let text = std::fs::read_to_string(&path).expect("example");
    (format!("file://{}", path.display()), text)
}

/// The (line, UTF-16 character) of the `nth` occurrence of `needle`, plus `shift` characters.
fn position(text: &str, needle: &str, nth: usize, shift: usize) -> Value {
    let offset = text.match_indices(needle).nth(nth).expect("needle").0;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count();
    json!({"line": line, "character": column + shift})
}

fn at(uri: &str, text: &str, needle: &str, nth: usize) -> Value {
    json!({"textDocument": {"uri": uri}, "position": position(text, needle, nth, 1)})
}

const BROKEN: &str =
    "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput double = quantty * 2\n";

#[test]
fn diagnostics_appear_at_their_ranges_and_clear_when_fixed() {
    let (mut client, _) = Client::start(false);
    let uri = "file:///tmp/ordo-lsp-test/demo.ordo";
    client.open(uri, BROKEN);
    let diagnostics = client.diagnostics(uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "E0002");
    assert_eq!(diagnostic["severity"], 1);
    assert_eq!(
        diagnostic["range"],
        json!({"start": {"line": 2, "character": 16}, "end": {"line": 2, "character": 23}})
    );
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `quantity`?")
    );

    // The quick fix replaces the name.
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
    );
    let edit = &actions[0]["edit"]["changes"][uri][0];
    assert_eq!(edit["newText"], "quantity");
    assert_eq!(edit["range"], diagnostic["range"]);

    // A syntax error while typing, then the fix: one publication after the edits pause.
    client.change(
        uri,
        2,
        "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput double = ",
    );
    client.change(uri, 3, &BROKEN.replace("quantty", "quantity"));
    assert_eq!(client.diagnostics(uri), Vec::<Value>::new());
    client.shutdown();
}

#[test]
fn syntax_errors_and_utf16_positions() {
    let (mut client, result) = Client::start(false);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    let uri = "file:///tmp/ordo-lsp-test/accents.ordo";
    // "é" and "𝄞" take one and two UTF-16 units but two and four bytes.
    let text =
        "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput label = \"é𝄞\" + nope\n";
    client.open(uri, text);
    let diagnostics = client.diagnostics(uri);
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "E0002")
        .expect("unknown name");
    assert_eq!(
        unknown["range"]["start"],
        json!({"line": 2, "character": 23})
    );
    client.change(uri, 2, "ruleset demo version \"1.0.0\"\ninput {");
    let diagnostics = client.diagnostics(uri);
    assert_eq!(diagnostics[0]["code"], "E0001");
    client.shutdown();
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let (mut client, result) = Client::start(true);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    let uri = "file:///tmp/ordo-lsp-test/accents.ordo";
    let text =
        "ruleset demo version \"1.0.0\"\ninput { quantity: Int }\noutput label = \"é𝄞\" + nope\n";
    client.open(uri, text);
    let diagnostics = client.diagnostics(uri);
    let unknown = diagnostics
        .iter()
        .find(|d| d["code"] == "E0002")
        .expect("unknown name");
    assert_eq!(
        unknown["range"]["start"],
        json!({"line": 2, "character": 26})
    );
    client.shutdown();
}

#[test]
fn the_examples_have_no_errors_and_answer_about_names() {
    let (mut client, _) = Client::start(false);
    let (uri, text) = example("bikes");
    client.open(&uri, &text);
    let diagnostics = client.diagnostics(&uri);
    assert!(
        diagnostics.iter().all(|d| d["severity"] != 1),
        "{diagnostics:?}"
    );

    // Hover: an input's declaration with its refinement and doc comment.
    let hover = client.request(
        "textDocument/hover",
        at(&uri, &text, "fleet_discount of", 0),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("fleet_discount: Percent in 0%..100% = 0%"),
        "{shown}"
    );
    assert!(shown.contains("A negotiated unit discount"), "{shown}");
    // A value's type; a decision's signature with its outputs' types.
    let hover = client.request("textDocument/hover", at(&uri, &text, "unit_price\n", 0));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("let unit_price: Decimal")
    );
    let hover = client.request("textDocument/hover", at(&uri, &text, "shipping.fee", 0));
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("decision shipping hit first -> { zone: Text, fee: Decimal }"),
        "{shown}"
    );
    // An expression's type.
    let hover = client.request("textDocument/hover", at(&uri, &text, "* quantity", 0));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains(": Decimal"),
        "{hover}"
    );

    // Definition: a field of a decision, an enum value, a table.
    let definition = client.request(
        "textDocument/definition",
        at(&uri, &text, "shipping.zone", 0),
    );
    assert_eq!(
        definition["range"]["start"],
        position(&text, "decision shipping", 0, 9)
    );
    let definition = client.request(
        "textDocument/definition",
        at(&uri, &text, "electric then", 0),
    );
    assert_eq!(
        definition["range"]["start"],
        position(&text, "electric }", 0, 0)
    );

    // References: the declaration and every use.
    let references = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "shipment_kg =", 0, 1), "context": {"includeDeclaration": true}}),
    );
    assert_eq!(
        references.as_array().unwrap().len(),
        text.matches("shipment_kg").count()
    );

    // Completion: members after a dot, names with types elsewhere.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "ship_to.country", 0, 8)}),
    );
    let labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["country", "express"]);
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "output weight_kg", 0, 0)}),
    );
    let items = completion.as_array().unwrap();
    let quantity = items
        .iter()
        .find(|i| i["label"] == "quantity")
        .expect("quantity");
    assert_eq!(quantity["detail"], "input quantity: Int");
    assert!(
        items.iter().any(|i| i["label"] == "round"
            && i["detail"].as_str().unwrap().starts_with("round(x, places"))
    );
    assert!(items.iter().any(|i| i["label"] == "electric"));
    assert!(
        items
            .iter()
            .any(|i| i["label"] == "decision" && i["kind"] == 14)
    );

    // Where an enum is expected, its values first.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "frame == cargo", 0, 9)}),
    );
    let expected: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["preselect"] == true)
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(expected, ["city", "trekking", "gravel", "cargo"]);
    // ... and in a list after `in`.
    let completion = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "size in [m, l]", 0, 12)}),
    );
    let expected: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["preselect"] == true)
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(expected, ["s", "m", "l", "xl"]);

    // Outline.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Frame") && names.contains(&"shipping") && names.contains(&"quote"),
        "{names:?}"
    );
    client.shutdown();
}

#[test]
fn rename_edits_every_occurrence_and_formatting_lays_out() {
    let (mut client, _) = Client::start(false);
    let (uri, text) = example("bikes");
    client.open(&uri, &text);
    let edit = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "quantity: Int", 0, 2), "newName": "bikes_ordered"}),
    );
    let edits = edit["changes"][uri.as_str()].as_array().unwrap().clone();
    // Every `quantity` that names the input (not `quantity` inside a longer name).
    let expected = text
        .match_indices("quantity")
        .filter(|(i, _)| {
            let before = text[..*i].chars().last().unwrap_or(' ');
            let after = text[i + 8..].chars().next().unwrap_or(' ');
            !(before.is_alphanumeric() || before == '_' || after.is_alphanumeric() || after == '_')
        })
        .count();
    assert_eq!(edits.len(), expected);
    let refused = client.request_raw(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": position(&text, "quantity: Int", 0, 2), "newName": "let"}),
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a valid name")
    );

    // Formatting: a formatted example needs no edit; a squashed file gets one.
    let none = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(none, json!([]));
    let messy =
        "ruleset demo version \"1.0.0\"\ninput {   quantity :Int }\noutput double=quantity*2\n";
    client.change(&uri, 2, messy);
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert!(
        formatted.contains("output double = quantity * 2"),
        "{formatted}"
    );
    client.shutdown();
}
