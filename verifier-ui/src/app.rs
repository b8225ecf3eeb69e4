//! The app shell: the state every screen shares, start-up (configuration,
//! the engine's worker, the device's trust data, the first sync) and the
//! switch between the scan and result screens.

use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::trust_bar::TrustBar;
use crate::i18n::*;
use crate::io::clock;
use crate::io::config::Config;
use crate::io::engine::{Engine, TrustState};
use crate::io::storage::{self, SyncTimes};
use crate::io::sync::{self, SyncError};
use crate::screens::result::ResultScreen;
use crate::screens::scan::ScanScreen;
use crate::verdict::Verdict;

/// Which screen shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The camera and the upload.
    Scan,
    /// A verdict.
    Result(Box<Verdict>),
}

/// What went wrong with the trust data, for the trust bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustError {
    /// `config.json` missing or malformed.
    Config,
    /// The engine's worker did not start.
    Engine,
    /// The last sync failed.
    Sync(SyncError),
}

/// The trust data as the trust bar and the result screen show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustView {
    /// The engine is running with the device's data loaded.
    pub ready: bool,
    /// What the engine holds.
    pub state: TrustState,
    /// When each list was last confirmed with the registry.
    pub times: SyncTimes,
    /// A sync is running.
    pub syncing: bool,
    /// The browser says it is online.
    pub online: bool,
    /// The last failure, cleared by a good sync.
    pub error: Option<TrustError>,
}

/// State shared by the screens (all handles: `Copy`).
#[derive(Debug, Clone, Copy)]
pub struct Shared {
    /// The engine, once started.
    pub engine: StoredValue<Option<Rc<Engine>>, LocalStorage>,
    /// The configuration, once loaded.
    pub config: StoredValue<Option<Config>>,
    /// Trust data status.
    pub trust: RwSignal<TrustView>,
    /// The screen showing.
    pub screen: RwSignal<Screen>,
    /// What the screen reader announces (an `aria-live` region).
    pub announcement: RwSignal<String>,
    /// The verification clock, refreshed every 30 s for "N hours ago".
    pub now: RwSignal<f64>,
}

impl Shared {
    fn new() -> Self {
        Self {
            engine: StoredValue::new_local(None),
            config: StoredValue::new(None),
            trust: RwSignal::new(TrustView {
                online: is_online(),
                ..TrustView::default()
            }),
            screen: RwSignal::new(Screen::Scan),
            announcement: RwSignal::new(String::new()),
            now: RwSignal::new(clock::now_ms()),
        }
    }

    /// The engine, if it has started.
    pub fn engine(&self) -> Option<Rc<Engine>> {
        self.engine.with_value(Clone::clone)
    }

    /// Resolve once the engine holds the device's trust data (or the first
    /// sync has been tried): nothing is verified against an empty trust
    /// list while one is on its way.
    pub async fn ready(&self) {
        while !self.trust.with_untracked(|t| t.ready) {
            clock::sleep(50).await;
        }
    }

    /// Show a verdict.
    pub fn show(&self, verdict: Verdict) {
        self.screen.set(Screen::Result(Box::new(verdict)));
    }

    /// Sync with the registry now, in the background.
    pub fn sync_now(self) {
        spawn_local(self.sync_once());
    }

    /// Sync with the registry (one sync at a time: a second call while one
    /// runs returns at once).
    async fn sync_once(self) {
        if self.trust.with_untracked(|t| t.syncing) {
            return;
        }
        let (Some(engine), Some(config)) = (self.engine(), self.config.get_value()) else {
            return;
        };
        self.trust.update(|t| t.syncing = true);
        let result = sync::sync(&config, &engine).await;
        self.refresh(&engine).await;
        self.trust.update(|t| {
            t.syncing = false;
            t.error = result.err().map(TrustError::Sync);
        });
    }

    async fn refresh(&self, engine: &Engine) {
        let now = clock::now_ms();
        let state = engine.state(now).await.unwrap_or_default();
        self.now.set(now);
        self.trust.update(|t| {
            t.state = state;
            t.times = storage::sync_times();
        });
    }
}

fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// The engine worker's URL, which the build writes into `index.html`
/// (`<meta name="hc-worker">`, a hashed file name).
fn worker_url() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=hc-worker]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "worker.js".to_owned())
}

/// Configuration, engine, the device's data, then a sync when online.
fn start(shared: Shared) {
    spawn_local(async move {
        let config = match Config::load().await {
            Ok(config) => config,
            Err(_) => {
                shared.trust.update(|t| t.error = Some(TrustError::Config));
                return;
            }
        };
        if let Some(at) = config.now.as_deref() {
            clock::start_at(at);
        }
        let engine = match Engine::start(&worker_url(), &config.anchors).await {
            Ok(engine) => Rc::new(engine),
            Err(_) => {
                shared.trust.update(|t| t.error = Some(TrustError::Engine));
                return;
            }
        };
        sync::restore(&engine).await;
        let interval = Duration::from_secs(u64::from(config.sync_interval_minutes.max(1)) * 60);
        shared.config.set_value(Some(config));
        shared.engine.set_value(Some(Rc::clone(&engine)));
        shared.refresh(&engine).await;
        // With trust data on the device, scanning starts at once and the
        // sync runs behind it; on a first visit, scanning waits for the
        // first sync (or its failure), so no verdict is given against an
        // empty trust list while one is on its way.
        if shared
            .trust
            .with_untracked(|t| t.state.trust_list_version.is_some())
        {
            shared.trust.update(|t| t.ready = true);
            if is_online() {
                shared.sync_now();
            }
        } else {
            shared.sync_once().await;
            shared.trust.update(|t| t.ready = true);
        }
        let _ = set_interval_with_handle(
            move || {
                if is_online() {
                    shared.sync_now();
                }
            },
            interval,
        );
    });
    let _ = set_interval_with_handle(
        move || shared.now.set(clock::now_ms()),
        Duration::from_secs(30),
    );
    let online = window_event_listener(leptos::ev::online, move |_| {
        shared.trust.update(|t| t.online = true);
        shared.sync_now();
    });
    let offline = window_event_listener(leptos::ev::offline, move |_| {
        shared.trust.update(|t| t.online = false);
    });
    on_cleanup(move || {
        online.remove();
        offline.remove();
    });
}

/// The app: i18n around the shell.
#[component]
pub fn App() -> impl IntoView {
    leptos_meta::provide_meta_context();
    view! {
        <I18nContextProvider>
            <Shell />
        </I18nContextProvider>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let shared = Shared::new();
    provide_context(shared);
    start(shared);
    let screen = move || match shared.screen.get() {
        Screen::Scan => view! { <ScanScreen /> }.into_any(),
        Screen::Result(verdict) => view! { <ResultScreen verdict=*verdict /> }.into_any(),
    };
    view! {
        <a class="skip" href="#main">{t!(i18n, skip_to_main)}</a>
        <TrustBar />
        <main id="main" tabindex="-1">{screen}</main>
        <div class="visually-hidden" role="status" aria-live="assertive" aria-atomic="true">
            {move || shared.announcement.get()}
        </div>
    }
}
