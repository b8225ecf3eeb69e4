//! The header: the app's name, how old the trust data is (always
//! visible), whether the device is offline, a manual sync and the language.

use leptos::prelude::*;

use crate::app::{Shared, TrustError};
use crate::components::lang_switch::LangSwitch;
use crate::format;
use crate::i18n::*;
use crate::io::sync::SyncError;

/// The header bar.
#[component]
pub fn TrustBar() -> impl IntoView {
    let i18n = use_i18n();
    let shared = expect_context::<Shared>();
    let trust = shared.trust;

    let age = move || {
        let locale = i18n.get_locale();
        let now = shared.now.get();
        trust.with(|t| {
            t.state.trust_list_version.map(|_| {
                let synced = t.times.trust_list.unwrap_or(now);
                format::ago(locale.as_str(), synced, now)
            })
        })
    };
    let stale =
        move || trust.with(|t| t.state.trust_list_version.is_some() && t.state.trust_list_stale);
    // Fresh data: when it was last confirmed. Stale data: how old the list
    // itself is, which is what the reader must weigh.
    let issued = move || trust.with(|t| t.state.trust_list_issued_at.clone());
    let line = move || {
        let locale = i18n.get_locale();
        match (age(), issued()) {
            (Some(_), Some(date)) if stale() => td_string!(
                locale,
                trust.issued,
                date = format::date(locale.as_str(), &date)
            )
            .to_string(),
            (Some(age), _) => td_string!(locale, trust.updated, age = age).to_string(),
            (None, _) => td_string!(locale, trust.never).to_owned(),
        }
    };
    let error = move || {
        let locale = i18n.get_locale();
        trust.with(|t| t.error).map(|e| {
            let reason = match e {
                TrustError::Config => td_string!(locale, sync_error.config),
                TrustError::Engine => td_string!(locale, sync_error.engine),
                TrustError::Sync(SyncError::Network) => td_string!(locale, sync_error.network),
                TrustError::Sync(SyncError::Rejected) => td_string!(locale, sync_error.rejected),
                TrustError::Sync(SyncError::Storage) => td_string!(locale, sync_error.storage),
            };
            td_string!(locale, trust.failed, reason = reason).to_string()
        })
    };
    let syncing = move || trust.with(|t| t.syncing);
    // When the last complete sync ended (a test hook).
    let synced = move || {
        trust.with(|t| {
            t.times
                .revocations
                .map(|ms| ms.to_string())
                .unwrap_or_default()
        })
    };
    let offline = move || trust.with(|t| !t.online);
    let can_sync = move || trust.with(|t| t.ready && !t.syncing);

    view! {
        <header class="bar">
            <div class="bar-top">
                <h1 class="app-title">{t!(i18n, app_title)}</h1>
                <LangSwitch />
            </div>
            <div class="trust" data-testid="trust" class:trust-stale=stale data-synced=synced>
                <p class="trust-line">
                    <span data-testid="trust-age">{line}</span>
                    <Show when=stale>
                        " · "
                        <strong class="badge badge-warn">{t!(i18n, trust.stale)}</strong>
                    </Show>
                    <Show when=offline>
                        " · "
                        <strong class="badge" data-testid="offline">{t!(i18n, trust.offline)}</strong>
                    </Show>
                </p>
                <button
                    type="button"
                    class="secondary"
                    data-testid="sync"
                    on:click=move |_| shared.sync_now()
                    disabled=move || !can_sync()
                    aria-busy=move || syncing().to_string()
                >
                    {move || if syncing() { t!(i18n, trust.syncing).into_any() } else { t!(i18n, trust.sync).into_any() }}
                </button>
            </div>
            <Show when=move || error().is_some()>
                <p class="trust-error" role="alert">{error}</p>
            </Show>
        </header>
    }
}
