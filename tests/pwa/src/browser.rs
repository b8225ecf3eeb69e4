//! Headless Chromium through chromedriver (fantoccini), with a fake camera
//! playing a video file, a fresh profile per browser, and the page's
//! verdict read back through the app's test hooks (`data-testid`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use std::os::unix::process::CommandExt as _;

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How the browser starts.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    camera: Option<PathBuf>,
    deny_camera: bool,
    language: String,
    width: u32,
    height: u32,
}

impl BrowserOptions {
    /// The fake camera plays this `.y4m` video (in a loop).
    pub fn camera(mut self, video: &Path) -> Self {
        self.camera = Some(video.to_path_buf());
        self
    }

    /// Refuse the camera permission (as a user who says no).
    pub fn deny_camera(mut self) -> Self {
        self.deny_camera = true;
        self
    }

    /// The browser's preferred language (`Accept-Language`,
    /// `navigator.languages`).
    pub fn language(mut self, language: &str) -> Self {
        self.language = language.to_owned();
        self
    }

    /// The window size (the default: a 360x740 phone).
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }
}

/// A verdict as the page shows it.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// `data-status`.
    pub status: String,
    /// The verdict's visible text.
    pub text: String,
}

/// A Chrome DevTools Protocol command through chromedriver.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// A running browser (its chromedriver is stopped on drop).
#[derive(Debug)]
pub struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Browser {
    /// Default options: no camera video, English, 360x740.
    pub fn options() -> BrowserOptions {
        BrowserOptions {
            camera: None,
            deny_camera: false,
            language: "en".into(),
            width: 360,
            height: 740,
        }
    }

    /// Start chromedriver and a headless Chromium.
    pub async fn open(options: &BrowserOptions) -> Result<Self> {
        let chromium = crate::tools::chromium()?;
        let chromedriver = crate::tools::chromedriver()?;
        let port = free_port()?;
        // Its own process group, so that chromedriver and the browser it
        // starts end together.
        let mut driver = Command::new(&chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {}", chromedriver.display()))?;
        let profile = tempfile::tempdir()?;
        let mut args = vec![
            "--headless".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--use-fake-device-for-media-stream".into(),
            format!("--window-size={},{}", options.width, options.height),
            format!("--lang={}", options.language),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        args.push(if options.deny_camera {
            "--deny-permission-prompts".into()
        } else {
            "--use-fake-ui-for-media-stream".into()
        });
        if let Some(video) = &options.camera {
            let video = video.canonicalize()?;
            args.push(format!(
                "--use-file-for-fake-video-capture={}",
                video.display()
            ));
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": { "intl.accept_languages": options.language },
                "mobileEmulation": {
                    "deviceMetrics": { "width": options.width, "height": options.height, "pixelRatio": 1.0, "touch": true },
                },
            },
        });
        let Value::Object(caps) = caps else {
            bail!("capabilities are not an object");
        };
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => {
                    end_group(&mut driver);
                    return Err(anyhow!("chromedriver session: {e}"));
                }
            }
        };
        Ok(Self {
            client,
            driver,
            _profile: profile,
        })
    }

    /// The WebDriver client, for what the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Open `url`.
    pub async fn goto(&self, url: &str) -> Result<()> {
        Ok(self.client.goto(url).await?)
    }

    /// Reload the page.
    pub async fn reload(&self) -> Result<()> {
        Ok(self.client.refresh().await?)
    }

    /// Run `script` (a function body) and return its value.
    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Wait up to `timeout` for `css` to match, and return it.
    pub async fn wait_for(
        &self,
        css: &str,
        timeout: Duration,
    ) -> Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waiting {timeout:?} for {css}"))
    }

    /// Wait for a verdict and read it.
    pub async fn verdict(&self, timeout: Duration) -> Result<Verdict> {
        let element = self.wait_for("[data-testid=verdict]", timeout).await?;
        Ok(Verdict {
            status: element.attr("data-status").await?.unwrap_or_default(),
            text: element.text().await?,
        })
    }

    /// Click the element `css` matches.
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self.wait_for(css, Duration::from_secs(10)).await?;
        Ok(element.click().await?)
    }

    /// When the last complete sync ended, as the page says (empty: none).
    pub async fn synced_at(&self) -> Result<String> {
        let value = self
            .eval("return document.querySelector('[data-testid=trust]')?.dataset.synced ?? '';")
            .await?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Wait until a sync other than `previous` has completed and no sync
    /// is running.
    pub async fn wait_synced(&self, previous: &str, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let idle = self
                .eval("return document.querySelector('[data-testid=sync]')?.getAttribute('aria-busy') === 'false';")
                .await?;
            let at = self.synced_at().await?;
            if idle == Value::Bool(true) && !at.is_empty() && at != previous {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!("trust data not synced within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the service worker controls the page.
    pub async fn wait_offline_ready(&self, timeout: Duration) -> Result<()> {
        let started = Instant::now();
        loop {
            let ready = self
                .eval("return !!(navigator.serviceWorker && navigator.serviceWorker.controller);")
                .await?;
            if ready == Value::Bool(true) {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!("no service worker in control within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Tell the page the network is gone (or back): `navigator.onLine`
    /// and the `offline`/`online` events, as a phone losing signal.
    pub async fn set_offline(&self, offline: bool) -> Result<()> {
        self.client
            .issue_cmd(Cdp {
                cmd: "Network.emulateNetworkConditions",
                params: json!({
                    "offline": offline,
                    "latency": 0,
                    "downloadThroughput": -1,
                    "uploadThroughput": -1,
                }),
            })
            .await?;
        Ok(())
    }

    /// A PNG screenshot of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        Ok(self.client.screenshot().await?)
    }

    /// End the session and chromedriver.
    pub async fn close(mut self) -> Result<()> {
        let closed = self.client.clone().close().await;
        end_group(&mut self.driver);
        closed.map_err(Into::into)
    }
}

/// End chromedriver's process group (chromedriver and the browser it
/// started).
fn end_group(driver: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", driver.id())])
        .stderr(Stdio::null())
        .status();
    let _ = driver.kill();
    let _ = driver.wait();
}

impl Drop for Browser {
    fn drop(&mut self) {
        end_group(&mut self.driver);
    }
}
