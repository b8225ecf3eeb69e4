//! The result screen: one glance tells. A large state (colour, icon and
//! words), the reason in plain language, and, only when valid, who and
//! what the certificate is about. Warnings say what could not be checked
//! and how old the trust data is. "Scan next" (focused, so Enter or Space
//! takes it) returns to the camera.

use leptos::prelude::*;

use crate::app::{Screen, Shared};
use crate::components::icons::StatusIcon;
use crate::format;
use crate::i18n::*;
use crate::text;
use crate::verdict::{Fields, Status, Verdict};

/// A label and a value, the value marked when the signature does not bind
/// its role.
fn row(label: String, value: String, unbound: bool, note: &'static str) -> impl IntoView {
    view! {
        <div class="row">
            <dt>{label}</dt>
            <dd>
                {value}
                {unbound.then(|| view! { <span class="unbound">{note}</span> })}
            </dd>
        </div>
    }
}

fn fields_view(locale: Locale, fields: &Fields, verdict: &Verdict) -> impl IntoView + use<> {
    let l = locale.as_str();
    let note = td_string!(locale, field.unbound_note);
    let mut rows = Vec::new();
    let mut push = |label: &str, value: String, key: &str| {
        if !value.trim().is_empty() {
            rows.push(row(label.to_owned(), value, fields.is_unbound(key), note));
        }
    };
    match (&fields.age, &fields.dob) {
        (_, Some(dob)) if !dob.is_empty() => {
            push(td_string!(locale, field.dob), format::date(l, dob), "dob")
        }
        (Some(age), _) => push(td_string!(locale, field.age), format::number(l, age), "age"),
        _ => {}
    }
    push(
        td_string!(locale, field.gender),
        fields.gender.clone(),
        "gender",
    );
    if let Some(n) = &fields.nationality {
        push(
            td_string!(locale, field.nationality),
            n.clone(),
            "nationality",
        );
    }
    push(
        td_string!(locale, field.vaccine),
        fields.vaccine.clone(),
        "vaccine",
    );
    push(
        td_string!(locale, field.manufacturer),
        fields.manufacturer.clone(),
        "manufacturer",
    );
    if let Some(b) = &fields.batch {
        push(td_string!(locale, field.batch), b.clone(), "batch");
    }
    if !fields.dose.is_empty() {
        let dose = if fields.total_doses.is_empty() {
            format::number(l, &fields.dose)
        } else {
            td_string!(
                locale,
                field.dose_of,
                n = format::number(l, &fields.dose),
                m = format::number(l, &fields.total_doses)
            )
            .to_string()
        };
        push(td_string!(locale, field.dose), dose, "dose");
    }
    push(
        td_string!(locale, field.date),
        format::date(l, &fields.date),
        "date",
    );
    push(
        td_string!(locale, field.facility),
        fields.facility.clone(),
        "facility",
    );
    if let Some(issuer) = &verdict.issuer {
        let name = if issuer.country.is_empty() {
            issuer.name.clone()
        } else {
            format!("{} ({})", issuer.name, issuer.country)
        };
        push(td_string!(locale, field.issuer), name, "issuer");
    }
    if let Some(until) = &fields.valid_until {
        push(
            td_string!(locale, field.valid_until),
            format::date(l, until),
            "valid_until",
        );
    }
    if let (Some(from), Some(until)) = (&fields.effective_start, &fields.effective_until) {
        let range = td_string!(
            locale,
            field.effective_range,
            from = format::date(l, from),
            until = format::date(l, until)
        )
        .to_string();
        push(
            td_string!(locale, field.effective),
            range,
            "effective_until",
        );
    }
    push(
        td_string!(locale, field.certificate_id),
        fields.certificate_id.clone(),
        "certificate_id",
    );
    view! { <dl class="fields">{rows}</dl> }
}

/// The result screen for one verdict.
#[component]
pub fn ResultScreen(verdict: Verdict) -> impl IntoView {
    let i18n = use_i18n();
    let shared = expect_context::<Shared>();
    let status = verdict.status();
    let next_button = NodeRef::<leptos::html::Button>::new();
    let next = move || shared.screen.set(Screen::Scan);

    // Focus "Scan next", so Enter or Space scans the next; Enter or Space
    // anywhere outside a control does the same.
    Effect::new(move |_| {
        if let Some(button) = next_button.get() {
            // The state at the top stays in view: focus without scrolling.
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = button.focus_with_options(&options);
            if let Some(window) = web_sys::window() {
                window.scroll_to_with_x_and_y(0.0, 0.0);
            }
        }
    });
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        let key = ev.key();
        if key != "Enter" && key != " " {
            return;
        }
        let on_control = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|e| {
                matches!(
                    e.tag_name().as_str(),
                    "BUTTON" | "A" | "INPUT" | "SELECT" | "SUMMARY" | "TEXTAREA"
                )
            });
        if !on_control {
            ev.prevent_default();
            next();
        }
    });
    on_cleanup(move || keys.remove());

    let v = StoredValue::new(verdict);
    // The screen reader hears the state, the summary and, when valid, the name.
    Effect::new(move |_| {
        let locale = i18n.get_locale();
        let said = v.with_value(|v| {
            let mut said = format!(
                "{}. {}",
                text::status(locale, status),
                text::summary(locale, status)
            );
            if let Some(f) = v.shown_fields() {
                said.push(' ');
                said.push_str(&f.name);
            } else if let Some(reason) = v.reasons.first() {
                said.push(' ');
                said.push_str(&text::reason(locale, reason));
            }
            said
        });
        shared.announcement.set(said);
    });
    // For measurements: when the verdict reached the screen.
    request_animation_frame(|| {
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            p.clear_marks_with_mark_name("hc:verdict-shown");
            let _ = p.mark("hc:verdict-shown");
        }
    });

    let reason = move || {
        let locale = i18n.get_locale();
        v.with_value(|v| match status {
            Status::Valid => None,
            _ => v.reasons.first().map(|r| text::reason(locale, r)),
        })
    };
    let details = move || {
        let locale = i18n.get_locale();
        v.with_value(|v| {
            v.shown_fields().map(|f| {
                view! {
                    <p class="holder" data-testid="holder">{f.name.clone()}</p>
                    {fields_view(locale, f, v)}
                }
            })
        })
    };
    let rules = move || {
        let locale = i18n.get_locale();
        v.with_value(|v| {
            let rules = v.rules.as_ref().filter(|_| status == Status::Valid)?;
            Some(if rules.status == "passed" {
                view! { <p class="rules rules-passed" data-testid="rules">{td_string!(locale, rules.passed)}</p> }.into_any()
            } else {
                let failed = rules.failed.iter().map(|r| view! { <li>{r.text.clone()}</li> }).collect_view();
                view! {
                    <div class="rules rules-not-met" data-testid="rules">
                        <p>{td_string!(locale, rules.not_met)}</p>
                        <ul>{failed}</ul>
                    </div>
                }
                .into_any()
            })
        })
    };
    let warnings = move || {
        let locale = i18n.get_locale();
        let mut out = Vec::new();
        let (revocation_unknown, trust_stale) =
            v.with_value(|v| (v.revocation_unknown, v.trust_list_stale));
        let (revocation_stale, issued) = shared.trust.with(|t| {
            (
                t.state.revocation_stale && t.state.revocation_version.is_some(),
                t.state.trust_list_issued_at.clone(),
            )
        });
        if status == Status::Valid && revocation_unknown {
            out.push(td_string!(locale, warn.revocation_unknown).to_owned());
        } else if status == Status::Valid && revocation_stale {
            out.push(td_string!(locale, warn.revocation_stale).to_owned());
        }
        if trust_stale {
            let mut line = td_string!(locale, warn.trust_stale).to_owned();
            if let Some(date) = issued {
                line.push(' ');
                line.push_str(
                    &td_string!(
                        locale,
                        trust.issued,
                        date = format::date(locale.as_str(), &date)
                    )
                    .to_string(),
                );
            }
            out.push(line);
        }
        (!out.is_empty()).then(|| {
            view! {
                <ul class="warnings" data-testid="warnings">
                    {out.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                </ul>
            }
        })
    };
    let technical = v.with_value(|v| {
        let codes: Vec<String> = v.reasons.iter().map(|r| r.code.clone()).collect();
        format!(
            "{} · {} · {}",
            v.format.clone().unwrap_or_default(),
            v.suite.clone().unwrap_or_default(),
            codes.join(", ")
        )
    });

    view! {
        <section
            class=format!("verdict verdict-{}", status.as_str())
            data-testid="verdict"
            data-status=status.as_str()
            aria-labelledby="verdict-title"
        >
            <div class="verdict-banner">
                <StatusIcon status=status />
                <div>
                    <h2 id="verdict-title">{move || text::status(i18n.get_locale(), status)}</h2>
                    <p class="summary">{move || text::summary(i18n.get_locale(), status)}</p>
                </div>
            </div>
            <Show when=move || reason().is_some()>
                <p class="reason" data-testid="reason">{reason}</p>
            </Show>
            {details}
            {rules}
            {warnings}
            <details class="technical">
                <summary>{t!(i18n, details)}</summary>
                <p>{technical}</p>
            </details>
            <button type="button" class="primary next" data-testid="next" node_ref=next_button on:click=move |_| next()>
                {t!(i18n, next)}
            </button>
        </section>
    }
}
