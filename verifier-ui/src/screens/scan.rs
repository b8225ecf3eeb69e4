//! The scan screen: the camera (rear by default, switchable, torch where
//! supported) and verification from an image (file picker, paste, drop).
//!
//! Frames go to the engine's worker one at a time: the loop waits for each
//! frame's answer before grabbing the next, so it runs at whatever rate the
//! device sustains and nothing queues. The camera stops when a verdict
//! shows, when the page is hidden, and when the screen closes.

use std::time::Duration;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{Blob, HtmlInputElement};

use crate::app::Shared;
use crate::i18n::*;
use crate::io::camera::{self, Camera, CameraError};
use crate::io::clock;

/// After this long with no code found, the screen suggests what to change.
const HINT_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CameraState {
    Idle,
    Starting,
    Running,
    Failed(CameraError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UploadState {
    Idle,
    Working,
    NoCode,
    Unreadable,
}

fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        performance.clear_marks_with_mark_name(name);
        let _ = performance.mark(name);
    }
}

/// The scan screen.
#[component]
pub fn ScanScreen() -> impl IntoView {
    let i18n = use_i18n();
    let shared = expect_context::<Shared>();
    let video = NodeRef::<html::Video>::new();
    let camera = StoredValue::new_local(None::<Camera>);
    // Bumped on every start and stop: a scan loop from an older start sees
    // the change and ends.
    let generation = StoredValue::new(0u32);
    let state = RwSignal::new(CameraState::Idle);
    let hint = RwSignal::new(false);
    let cameras = RwSignal::new(Vec::<(String, String)>::new());
    let torch = RwSignal::new(None::<bool>);
    let upload = RwSignal::new(UploadState::Idle);

    let stop = move || {
        generation.update_value(|g| *g = g.wrapping_add(1));
        if let Some(cam) = camera.try_update_value(Option::take).flatten() {
            cam.stop();
        }
        if let Some(video) = video.get_untracked() {
            video.set_src_object(None);
        }
        state.try_set(CameraState::Idle);
        torch.try_set(None);
    };

    let scan_loop = move |mine: u32| async move {
        let Some(video) = video.get_untracked() else {
            return;
        };
        let started = clock::now_ms();
        let mut first = true;
        loop {
            camera::next_frame(&video).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            if first {
                mark("hc:first-frame");
                first = false;
            }
            if clock::now_ms() - started > HINT_AFTER.as_millis() as f64 {
                hint.try_set(true);
            }
            let Some(engine) = shared.engine() else {
                continue;
            };
            if !shared.trust.with_untracked(|t| t.ready) {
                continue;
            }
            let Some(frame) = camera::grab(&video).await else {
                continue;
            };
            let verdict = engine.scan_frame(frame, clock::now_ms()).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            if let Ok(Some(verdict)) = verdict {
                mark("hc:verdict");
                stop();
                shared.show(verdict);
                return;
            }
        }
    };

    let start = move |device: Option<String>| {
        if matches!(
            state.get_untracked(),
            CameraState::Starting | CameraState::Running
        ) && device.is_none()
        {
            return;
        }
        stop();
        let mine = generation.get_value();
        state.set(CameraState::Starting);
        hint.set(false);
        spawn_local(async move {
            let opened = Camera::open(device.as_deref()).await;
            if generation.try_get_value() != Some(mine) {
                if let Ok(cam) = opened {
                    cam.stop();
                }
                return;
            }
            let cam = match opened {
                Ok(cam) => cam,
                Err(e) => {
                    state.try_set(CameraState::Failed(e));
                    return;
                }
            };
            let Some(element) = video.get_untracked() else {
                cam.stop();
                return;
            };
            if cam.attach(&element).await.is_err() {
                cam.stop();
                state.try_set(CameraState::Failed(CameraError::InUse));
                return;
            }
            torch.try_set(cam.has_torch().then_some(false));
            camera.try_set_value(Some(cam));
            state.try_set(CameraState::Running);
            // Labels and the full list are known once permission is given.
            let list = camera::cameras().await;
            cameras.try_set(list);
            scan_loop(mine).await;
        });
    };

    let switch_camera = move |_| {
        let current = camera.with_value(|c| c.as_ref().and_then(Camera::device_id));
        let list = cameras.get_untracked();
        let at = list.iter().position(|(id, _)| Some(id) == current.as_ref());
        let next = at.map_or(0, |i| (i + 1) % list.len().max(1));
        if let Some((id, _)) = list.get(next) {
            start(Some(id.clone()));
        }
    };

    let toggle_torch = move |_| {
        let Some(on) = torch.get_untracked() else {
            return;
        };
        let Some(cam) = camera.get_value() else {
            return;
        };
        spawn_local(async move {
            if cam.set_torch(!on).await.is_ok() {
                torch.try_set(Some(!on));
            }
        });
    };

    let verify_blob = move |blob: Blob| {
        upload.set(UploadState::Working);
        spawn_local(async move {
            let Some(image) = camera::image_from_blob(&blob).await else {
                upload.try_set(UploadState::Unreadable);
                return;
            };
            shared.ready().await;
            let Some(engine) = shared.engine() else {
                image.close();
                upload.try_set(UploadState::Idle);
                return;
            };
            match engine.scan_image(image, clock::now_ms()).await {
                Ok(Some(verdict)) => {
                    stop();
                    shared.show(verdict);
                }
                Ok(None) => {
                    upload.try_set(UploadState::NoCode);
                }
                Err(_) => {
                    upload.try_set(UploadState::Unreadable);
                }
            }
        });
    };

    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            verify_blob(file.into());
        }
        // The same file chosen again fires `change` again.
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            verify_blob(file.into());
        }
    };
    let paste = window_event_listener(leptos::ev::paste, move |ev| {
        let file = ev
            .clipboard_data()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file.filter(|f| f.type_().starts_with("image/")) {
            ev.prevent_default();
            verify_blob(file.into());
        }
    });
    let visibility = window_event_listener(leptos::ev::visibilitychange, move |_| {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden());
        if hidden {
            stop();
        } else {
            start(None);
        }
    });
    on_cleanup(move || {
        paste.remove();
        visibility.remove();
        stop();
    });

    // The camera starts by itself when the screen opens.
    Effect::new(move |_| {
        if video.get().is_some() {
            start(None);
        }
    });

    let status_line = move || match state.get() {
        CameraState::Starting => Some(t!(i18n, scan.starting).into_any()),
        CameraState::Running if hint.get() => {
            Some(view! { <span data-testid="hint">{t!(i18n, scan.hint)}</span> }.into_any())
        }
        CameraState::Running => Some(t!(i18n, scan.aim).into_any()),
        _ => None,
    };
    let camera_error = move || match state.get() {
        CameraState::Failed(CameraError::Denied) => Some(t!(i18n, camera.denied).into_any()),
        CameraState::Failed(CameraError::NotFound) => Some(t!(i18n, camera.none).into_any()),
        CameraState::Failed(CameraError::InUse) => Some(t!(i18n, camera.in_use).into_any()),
        CameraState::Failed(CameraError::Unsupported) => {
            Some(t!(i18n, camera.unsupported).into_any())
        }
        _ => None,
    };
    let upload_line = move || match upload.get() {
        UploadState::Idle => None,
        UploadState::Working => Some(t!(i18n, upload.working).into_any()),
        UploadState::NoCode => Some(
            view! { <span data-testid="upload-no-qr">{t!(i18n, upload.no_qr)}</span> }.into_any(),
        ),
        UploadState::Unreadable => Some(t!(i18n, upload.unreadable).into_any()),
    };
    let running = move || state.get() == CameraState::Running;

    view! {
        <section
            class="scan"
            on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
            on:drop=on_drop
        >
            <div class="viewfinder" class:live=running>
                <video node_ref=video playsinline=true muted=true autoplay=true aria-label=move || t_string!(i18n, scan.video_label).to_string()></video>
                <div class="guide" aria-hidden="true"></div>
            </div>
            <p class="scan-status" aria-live="polite">{status_line}</p>
            <Show when=move || camera_error().is_some()>
                <p class="camera-error" role="alert" data-testid="camera-error">{camera_error}</p>
            </Show>
            <div class="controls">
                <button type="button" class="primary" data-testid="scan" on:click=move |_| start(None)>
                    {move || match state.get() {
                        CameraState::Failed(_) => t!(i18n, camera.retry).into_any(),
                        _ => t!(i18n, scan.start).into_any(),
                    }}
                </button>
                <Show when=move || running() && cameras.with(|c| c.len() > 1)>
                    <button type="button" class="secondary" on:click=switch_camera>{t!(i18n, scan.switch_camera)}</button>
                </Show>
                <Show when=move || torch.get().is_some()>
                    <button type="button" class="secondary" aria-pressed=move || torch.get().unwrap_or(false).to_string() on:click=toggle_torch>
                        {move || if torch.get() == Some(true) { t!(i18n, scan.torch_off).into_any() } else { t!(i18n, scan.torch_on).into_any() }}
                    </button>
                </Show>
            </div>
        </section>
        <section class="upload" aria-labelledby="upload-title">
            <h2 id="upload-title">{t!(i18n, upload.title)}</h2>
            <label class="button secondary file">
                {t!(i18n, upload.choose)}
                <input type="file" accept="image/*" data-testid="upload" class="file-input" on:change=on_file />
            </label>
            <p class="muted">{t!(i18n, upload.drop)}</p>
            <p class="upload-status" aria-live="polite">{upload_line}</p>
        </section>
    }
}
