//! `ordo lsp`: a Language Server Protocol server over standard input and output, built on the
//! engine's parser, checker and lint (see docs/editors.md).
//!
//! One thread reads messages; documents are analysed on demand. Diagnostics are published when
//! a document opens and, debounced, once the edits pause for [`DEBOUNCE`].

mod actions;
mod completion;
mod diagnostics;
mod document;
mod index;
mod navigation;
mod position;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    References, Rename, Request as _,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, HoverProviderCapability, InitializeParams,
    OneOf, PositionEncodingKind, PublishDiagnosticsParams, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};
use serde_json::Value as Json;

use document::Document;
use position::Encoding;

/// How long edits must pause before a document's diagnostics are recomputed: long enough to
/// take a burst of changes (a paste, a multi-cursor edit, key repeat) in one analysis, short
/// enough that diagnostics follow typing (an analysis of the largest example takes a few
/// milliseconds, benches/RESULTS.md).
pub const DEBOUNCE: Duration = Duration::from_millis(30);

/// Serves one client on standard input and output until it asks to exit.
pub fn run() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
    let encoding = negotiate(&params);
    let capabilities = capabilities(encoding);
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": {"name": "ordo", "version": env!("CARGO_PKG_VERSION")},
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    Server {
        connection: &connection,
        encoding,
        documents: HashMap::new(),
        pending: HashMap::new(),
    }
    .serve()?;
    drop(connection);
    threads.join().map_err(|e| e.to_string())
}

/// UTF-8 positions when the client offers them (no conversion), else the default UTF-16.
fn negotiate(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|list| list.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    }
}

struct Server<'c> {
    connection: &'c Connection,
    encoding: Encoding,
    documents: HashMap<String, Document>,
    /// Documents whose diagnostics are due, and when.
    pending: HashMap<String, Instant>,
}

impl Server<'_> {
    fn serve(mut self) -> Result<(), String> {
        loop {
            let message = match self.pending.values().min() {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match self.connection.receiver.recv_timeout(wait) {
                        Ok(message) => Some(message),
                        Err(e) if e.is_timeout() => None,
                        Err(_) => return Ok(()),
                    }
                }
                None => match self.connection.receiver.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(()),
                },
            };
            match message {
                None => self.publish_due()?,
                Some(Message::Request(request)) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let response = self.answer(request);
                    self.send(Message::Response(response))?;
                }
                Some(Message::Notification(notification)) => self.notified(notification)?,
                Some(Message::Response(_)) => {}
            }
        }
    }

    fn send(&self, message: Message) -> Result<(), String> {
        self.connection
            .sender
            .send(message)
            .map_err(|e| e.to_string())
    }

    fn publish_due(&mut self) -> Result<(), String> {
        let now = Instant::now();
        let due: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(uri, _)| uri.clone())
            .collect();
        for uri in due {
            self.pending.remove(&uri);
            self.publish(&uri)?;
        }
        Ok(())
    }

    fn publish(&mut self, uri: &str) -> Result<(), String> {
        let Some(document) = self.documents.get_mut(uri) else {
            return Ok(());
        };
        let params = PublishDiagnosticsParams {
            uri: document.uri.clone(),
            version: Some(document.version),
            diagnostics: diagnostics::of(document),
        };
        self.send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        )))
    }

    fn notified(&mut self, notification: Notification) -> Result<(), String> {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(
                    notification.params,
                ) else {
                    return Ok(());
                };
                let document = params.text_document;
                let key = document.uri.as_str().to_string();
                self.documents.insert(
                    key.clone(),
                    Document::new(document.uri, document.version, document.text, self.encoding),
                );
                self.publish(&key)?;
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(
                    notification.params,
                ) else {
                    return Ok(());
                };
                let key = params.text_document.uri.as_str().to_string();
                // Full synchronisation: the last change holds the whole text.
                if let (Some(document), Some(change)) = (
                    self.documents.get_mut(&key),
                    params.content_changes.into_iter().last(),
                ) {
                    document.update(params.text_document.version, change.text, self.encoding);
                    self.pending.insert(key, Instant::now() + DEBOUNCE);
                }
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(
                    notification.params,
                ) else {
                    return Ok(());
                };
                let key = params.text_document.uri.as_str().to_string();
                self.documents.remove(&key);
                self.pending.remove(&key);
                // Closed files keep no diagnostics in the client.
                self.send(Message::Notification(Notification::new(
                    PublishDiagnostics::METHOD.to_string(),
                    PublishDiagnosticsParams::new(params.text_document.uri, Vec::new(), None),
                )))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match self.dispatch(request) {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    fn document(&mut self, uri: &Uri) -> Result<&mut Document, (ErrorCode, String)> {
        self.documents.get_mut(uri.as_str()).ok_or((
            ErrorCode::InvalidParams,
            format!("`{}` is not open", uri.as_str()),
        ))
    }

    fn dispatch(&mut self, request: Request) -> Result<Json, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(
            request: Request,
        ) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(request.params)
                .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        fn json(value: impl serde::Serialize) -> Result<Json, (ErrorCode, String)> {
            serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
        }
        let _: Option<RequestId> = None;
        match request.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(request)?;
                let at = p.text_document_position_params;
                let view = self.document(&at.text_document.uri)?.view();
                json(navigation::hover(&view, view.offset(at.position)))
            }
            GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(request)?;
                let at = p.text_document_position_params;
                let view = self.document(&at.text_document.uri)?.view();
                json(navigation::definition(&view, view.offset(at.position)))
            }
            References::METHOD => {
                let p: lsp_types::ReferenceParams = params(request)?;
                let at = p.text_document_position;
                let view = self.document(&at.text_document.uri)?.view();
                let offset = view.offset(at.position);
                json(navigation::references(
                    &view,
                    offset,
                    p.context.include_declaration,
                ))
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = params(request)?;
                let at = p.text_document_position;
                let view = self.document(&at.text_document.uri)?.view();
                let offset = view.offset(at.position);
                let edit = navigation::rename(&view, offset, &p.new_name)
                    .map_err(|message| (ErrorCode::InvalidRequest, message))?;
                json(edit)
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(request)?;
                let view = self.document(&p.text_document.uri)?.view();
                json(navigation::symbols(&view))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(request)?;
                let at = p.text_document_position;
                let view = self.document(&at.text_document.uri)?.view();
                json(completion::complete(&view, view.offset(at.position)))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(request)?;
                let view = self.document(&p.text_document.uri)?.view();
                json(actions::format(&view))
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(request)?;
                let view = self.document(&p.text_document.uri)?.view();
                json(actions::quick_fixes(&view, &p.context.diagnostics))
            }
            method => Err((
                ErrorCode::MethodNotFound,
                format!("`{method}` is not supported"),
            )),
        }
    }
}
