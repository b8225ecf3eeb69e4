//! The verification engine, in a Web Worker (`worker.js` holding the
//! `verifier-wasm` module): the UI thread never decodes a frame or checks a
//! signature. Requests are numbered; each gets exactly one answer
//! `{id, ok, value | error}`. Frames travel as transferred `ImageBitmap`s.
//! The scan loop awaits each frame's answer before sending the next, so at
//! most one frame is ever in flight.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures::channel::oneshot;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Deserialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{ImageBitmap, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::verdict::Verdict;

/// Why a request to the engine failed.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineError {
    /// The worker could not be started or posted to.
    Worker(String),
    /// The engine refused the request (bad signature, rollback, a frame
    /// it could not read): its message.
    Refused(String),
    /// The answer had an unexpected shape.
    Answer(String),
}

type Pending = Rc<RefCell<HashMap<u32, oneshot::Sender<Result<JsValue, String>>>>>;

/// A handle to the engine's worker.
#[derive(Debug)]
pub struct Engine {
    worker: Worker,
    pending: Pending,
    next_id: Cell<u32>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

/// What the engine holds (its `trustState`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TrustState {
    /// Trust-list version held.
    pub trust_list_version: Option<u64>,
    /// When the registry issued it.
    pub trust_list_issued_at: Option<String>,
    /// Past its next update.
    pub trust_list_stale: bool,
    /// The trusted issuers.
    pub issuers: Vec<crate::verdict::Issuer>,
    /// Revocation version held.
    pub revocation_version: Option<u64>,
    /// Revocation data past its next update (or none held).
    pub revocation_stale: bool,
}

impl Engine {
    /// Start the worker at `url` (a module worker) trusting `anchors`.
    pub async fn start(url: &str, anchors: &[String]) -> Result<Self, EngineError> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker = Worker::new_with_options(url, &options)
            .map_err(|e| EngineError::Worker(super::js_message(&e)))?;
        let pending: Pending = Rc::default();
        let answers = Rc::clone(&pending);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let data = event.data();
            let id = Reflect::get(&data, &"id".into())
                .ok()
                .and_then(|v| v.as_f64())
                .map(|v| v as u32);
            let Some(sender) = id.and_then(|id| answers.borrow_mut().remove(&id)) else {
                return;
            };
            let ok = Reflect::get(&data, &"ok".into())
                .ok()
                .and_then(|v| v.as_bool());
            let answer = if ok == Some(true) {
                Ok(Reflect::get(&data, &"value".into()).unwrap_or(JsValue::NULL))
            } else {
                Err(Reflect::get(&data, &"error".into())
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_else(|| "engine error".into()))
            };
            // The receiver may be gone (the screen that asked has closed).
            let _ = sender.send(answer);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let engine = Self {
            worker,
            pending,
            next_id: Cell::new(0),
            _on_message: on_message,
        };
        let anchors: Array = anchors.iter().map(|a| JsValue::from_str(a)).collect();
        engine
            .call("init", &[("anchors", anchors.into())], None)
            .await?;
        Ok(engine)
    }

    async fn call(
        &self,
        op: &str,
        args: &[(&str, JsValue)],
        transfer: Option<&JsValue>,
    ) -> Result<JsValue, EngineError> {
        let id = self.next_id.get().wrapping_add(1);
        self.next_id.set(id);
        let message = Object::new();
        let set = |k: &str, v: &JsValue| {
            Reflect::set(&message, &k.into(), v)
                .map_err(|e| EngineError::Worker(super::js_message(&e)))
        };
        set("id", &JsValue::from(id))?;
        set("op", &JsValue::from_str(op))?;
        for (k, v) in args {
            set(k, v)?;
        }
        let (sender, receiver) = oneshot::channel();
        self.pending.borrow_mut().insert(id, sender);
        let posted = match transfer {
            Some(t) => self
                .worker
                .post_message_with_transfer(&message, &Array::of1(t)),
            None => self.worker.post_message(&message),
        };
        if let Err(e) = posted {
            self.pending.borrow_mut().remove(&id);
            return Err(EngineError::Worker(super::js_message(&e)));
        }
        match receiver.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(message)) => Err(EngineError::Refused(message)),
            Err(_) => Err(EngineError::Worker("the worker went away".into())),
        }
    }

    /// Load a signed trust list (checked against the anchors; an older one
    /// than held is refused).
    pub async fn load_trust_list(&self, bytes: &[u8]) -> Result<(), EngineError> {
        self.call(
            "trustList",
            &[("bytes", Uint8Array::from(bytes).into())],
            None,
        )
        .await
        .map(drop)
    }

    /// Apply a signed revocation snapshot or delta.
    pub async fn load_revocations(&self, bytes: &[u8]) -> Result<(), EngineError> {
        self.call(
            "revocations",
            &[("bytes", Uint8Array::from(bytes).into())],
            None,
        )
        .await
        .map(drop)
    }

    /// Load a signed rules list; `Ok(false)` when this engine has no rules
    /// support yet.
    pub async fn load_rules(&self, bytes: &[u8]) -> Result<bool, EngineError> {
        let value = self
            .call("rules", &[("bytes", Uint8Array::from(bytes).into())], None)
            .await?;
        Ok(value.as_bool().unwrap_or(false))
    }

    /// What the engine holds at `now_ms`.
    pub async fn state(&self, now_ms: f64) -> Result<TrustState, EngineError> {
        let value = self.call("state", &[("now", now_ms.into())], None).await?;
        serde_wasm_bindgen::from_value(value).map_err(|e| EngineError::Answer(e.to_string()))
    }

    /// Scan one camera frame (transferred): a verdict, or `None` when the
    /// frame holds no readable code.
    pub async fn scan_frame(
        &self,
        frame: ImageBitmap,
        now_ms: f64,
    ) -> Result<Option<Verdict>, EngineError> {
        self.scan("frame", frame, now_ms).await
    }

    /// Scan a still image (a photo, a screenshot) with every decoder pass.
    pub async fn scan_image(
        &self,
        image: ImageBitmap,
        now_ms: f64,
    ) -> Result<Option<Verdict>, EngineError> {
        self.scan("image", image, now_ms).await
    }

    async fn scan(
        &self,
        op: &str,
        bitmap: ImageBitmap,
        now_ms: f64,
    ) -> Result<Option<Verdict>, EngineError> {
        let bitmap: JsValue = bitmap.into();
        let value = self
            .call(
                op,
                &[("bitmap", bitmap.clone()), ("now", now_ms.into())],
                Some(&bitmap),
            )
            .await?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        serde_wasm_bindgen::from_value(value)
            .map(Some)
            .map_err(|e| EngineError::Answer(e.to_string()))
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
