//! The language switcher: every language named in itself. The choice
//! persists (leptos_i18n keeps it in a cookie); the first visit follows
//! the browser's languages.

use leptos::prelude::*;

use crate::i18n::*;

/// The locales in the order offered, each named in its own language.
const LANGUAGES: [(Locale, &str); 4] = [
    (Locale::en, "English"),
    (Locale::hi, "हिन्दी"),
    (Locale::fr, "Français"),
    (Locale::ar, "العربية"),
];

/// A `<select>` of the app's languages.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let on_change = move |ev| {
        let value = event_target_value(&ev);
        if let Some((locale, _)) = LANGUAGES.iter().find(|(l, _)| l.as_str() == value) {
            i18n.set_locale(*locale);
        }
    };
    view! {
        <label class="lang">
            <span class="visually-hidden">{t!(i18n, language)}</span>
            <select data-testid="language" on:change=on_change prop:value=move || i18n.get_locale().as_str()>
                {LANGUAGES
                    .iter()
                    .map(|(locale, name)| {
                        let code = locale.as_str();
                        view! {
                            <option value=code lang=code selected=move || i18n.get_locale() == *locale>
                                {*name}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}
