//! The outbox drain: due rows go to their sink, each alert in its own task so a slow or
//! failing receiver holds up no other; failures are recorded and retried with capped
//! exponential backoff. Delivery is at least once: the change id in every payload lets a
//! receiver drop duplicates.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::archive::{self, ArchiveRequest};
use super::payload::{Delivery, DigestData, parse_change};
use super::send;
use crate::config::{AlertConfig, ArchiveConfig, DeliveryConfig, HttpConfig};
use crate::netguard::{GuardedClient, NetGuard};
use crate::store::outbox::{self, OutboxRow};
use crate::store::{Store, StoreError, unix_now_ms};

/// Rows fetched per pass.
const BATCH: i64 = 500;
/// The loop looks at the outbox at least this often.
const IDLE_WAKE: Duration = Duration::from_secs(1);
/// First and longest pause when delivery outcomes cannot be written (disk full, read-only).
const STORE_DOWN_FIRST_PAUSE: Duration = Duration::from_secs(1);
const STORE_DOWN_MAX_PAUSE: Duration = Duration::from_secs(60);

/// A delivery that happened but could not be written to the outbox yet. Kept in memory and
/// written before anything else is sent, so a row is not sent again while the process lives
/// just because the store refused to record it. See: #10 (42,949 sends of 20 rows).
#[derive(Debug, Clone)]
struct Unrecorded {
    id: i64,
    attempts: i64,
    outcome: Result<(), String>,
    max_attempts: u32,
    /// The receiver's own wait (`Retry-After`), a floor under the backoff.
    wait_ms: i64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DrainReport {
    pub delivered: usize,
    pub failed: usize,
}

/// The rules a dispatcher follows; swapped as a whole on reload.
#[derive(Debug, Clone)]
struct Rules {
    alerts: Vec<AlertConfig>,
    delivery: DeliveryConfig,
    archive: ArchiveConfig,
}

#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    rules: Arc<std::sync::RwLock<Arc<Rules>>>,
    http: GuardedClient,
    unrecorded: Arc<Mutex<Vec<Unrecorded>>>,
    /// Set while outcomes cannot be recorded, so the failure is logged once, not per row.
    store_down: Arc<AtomicBool>,
    /// Per failing alert, the highest retry step already logged: a sink that keeps failing
    /// logs once per backoff step, not once per row and attempt (see `log_failure`).
    failing_steps: Arc<Mutex<HashMap<String, i64>>>,
}

impl Dispatcher {
    pub fn new(
        store: Store,
        alerts: Vec<AlertConfig>,
        delivery: DeliveryConfig,
        http: &HttpConfig,
    ) -> Result<Self, reqwest::Error> {
        // Webhook URLs go through the same guard as feeds: a config (or a `feeds add`-era
        // mistake) pointing at an internal service is refused unless allowed.
        let guard = NetGuard::new(http);
        let client = guard
            .client_builder()
            .user_agent(&http.user_agent)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            // A redirected POST becomes a bodiless GET that could "succeed": a 3xx is a failure.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            store,
            rules: Arc::new(std::sync::RwLock::new(Arc::new(Rules {
                alerts,
                delivery,
                archive: ArchiveConfig::default(),
            }))),
            http: GuardedClient { client, guard },
            unrecorded: Arc::default(),
            store_down: Arc::default(),
            failing_steps: Arc::default(),
        })
    }

    /// A dispatcher for the config's alert rules and delivery settings.
    pub fn from_config(
        store: Store,
        config: &crate::config::Config,
    ) -> Result<Self, reqwest::Error> {
        // The configured archive is let through the guard like an `allow_hosts` entry: it
        // was named on purpose, and a self-hosted one may well sit on a private network.
        let mut http = config.http.clone();
        if config.archive.enabled
            && let Some(host) = config.archive.host()
        {
            http.allow_hosts.push(host);
        }
        let me = Self::new(store, config.alerts.clone(), config.delivery.clone(), &http)?;
        me.set_archive(config.archive.clone());
        Ok(me)
    }

    /// Replaces the `[archive]` settings (config reload; the guard keeps the host it was
    /// built with until a restart).
    pub fn set_archive(&self, archive: ArchiveConfig) {
        let mut guard = self.rules.write().unwrap_or_else(|p| p.into_inner());
        let mut rules = (**guard).clone();
        rules.archive = archive;
        *guard = Arc::new(rules);
    }

    /// Replaces the alert rules (config reload). Rows of removed alerts are parked.
    pub fn set_rules(&self, alerts: Vec<AlertConfig>, delivery: DeliveryConfig) {
        let mut guard = self.rules.write().unwrap_or_else(|p| p.into_inner());
        let archive = guard.archive.clone();
        *guard = Arc::new(Rules {
            alerts,
            delivery,
            archive,
        });
    }

    /// The alert rules and delivery settings in force now (they change on reload).
    pub fn current_rules(&self) -> (Vec<AlertConfig>, DeliveryConfig) {
        let r = self.rules();
        (r.alerts.clone(), r.delivery.clone())
    }

    /// Whether `[archive]` is on (its `@archive` rows are kept by the pruning).
    pub fn archive_enabled(&self) -> bool {
        self.rules().archive.enabled
    }

    fn rules(&self) -> Arc<Rules> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn http(&self) -> &GuardedClient {
        &self.http
    }

    /// Due rows, grouped by alert.
    async fn due_by_alert(&self) -> Result<BTreeMap<String, Vec<OutboxRow>>, StoreError> {
        let store = self.store.clone();
        let now = unix_now_ms();
        let rows = tokio::task::spawn_blocking(move || store.read(|c| outbox::due(c, now, BATCH)))
            .await
            .map_err(|e| StoreError::Invalid(format!("dispatcher task failed: {e}")))??;
        let mut by_alert: BTreeMap<String, Vec<OutboxRow>> = BTreeMap::new();
        for r in rows {
            by_alert.entry(r.alert.clone()).or_default().push(r);
        }
        Ok(by_alert)
    }

    /// Delivers every row due now, once, and waits for all of it; returns what happened.
    /// An error means outcomes could not be recorded: nothing more is sent until they can.
    pub async fn drain(&self) -> Result<DrainReport, StoreError> {
        self.flush_unrecorded().await?;
        let by_alert = self.due_by_alert().await?;
        let mut set = JoinSet::new();
        for (name, rows) in by_alert {
            let me = self.clone();
            set.spawn(async move { me.deliver_alert(&name, rows).await });
        }
        let mut report = DrainReport::default();
        let mut store_error = None;
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(r)) => {
                    report.delivered += r.delivered;
                    report.failed += r.failed;
                }
                Ok(Err(e)) => store_error = Some(e),
                Err(e) => tracing::warn!(error = %e, "delivery task failed"),
            }
        }
        match store_error {
            Some(e) => Err(e),
            None => Ok(report),
        }
    }

    /// Writes the outcomes the store refused earlier. Until that works nothing else is sent:
    /// a receiver must not get the same alert again because our disk is full.
    async fn flush_unrecorded(&self) -> Result<(), StoreError> {
        let pending: Vec<Unrecorded> = self
            .unrecorded
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if pending.is_empty() {
            return Ok(());
        }
        let store = self.store.clone();
        let rules = self.rules();
        let delivery = rules.delivery.clone();
        let batch = pending.clone();
        let written = tokio::task::spawn_blocking(move || {
            let now = unix_now_ms();
            store.write(|tx| {
                for u in &batch {
                    write_outcome(tx, u, now, &delivery)?;
                }
                Ok(())
            })
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("dispatcher task failed: {e}")))?;
        match written {
            Ok(()) => {
                let mut guard = self.unrecorded.lock().unwrap_or_else(|p| p.into_inner());
                guard.retain(|u| !pending.iter().any(|p| p.id == u.id));
                drop(guard);
                self.store_up();
                Ok(())
            }
            Err(e) => {
                self.store_failed(&e);
                Err(e)
            }
        }
    }

    fn store_failed(&self, e: &StoreError) {
        if !self.store_down.swap(true, Ordering::SeqCst) {
            tracing::error!(
                error = %e,
                "cannot record alert deliveries; delivery paused until the database accepts writes"
            );
        }
    }

    fn store_up(&self) {
        if self.store_down.swap(false, Ordering::SeqCst) {
            tracing::info!("alert deliveries are recorded again; delivery resumes");
        }
    }

    async fn deliver_alert(
        &self,
        name: &str,
        rows: Vec<OutboxRow>,
    ) -> Result<DrainReport, StoreError> {
        let mut report = DrainReport::default();
        let rules = self.rules();
        if name == archive::OUTBOX_NAME && rules.archive.enabled {
            return self.deliver_archive(&rules, rows).await;
        }
        let Some(alert) = rules.alerts.iter().find(|a| a.name == name) else {
            // The alert was removed from the config: park its rows rather than retry forever.
            let all: Vec<&OutboxRow> = rows.iter().collect();
            let outcome = Err(if name == archive::OUTBOX_NAME {
                "[archive] is no longer enabled in the config".to_string()
            } else {
                format!("alert `{name}` is no longer in the config")
            });
            self.record_all(&all, &outcome, &rules.delivery, 1, 0)
                .await?;
            report.failed = rows.len();
            return Ok(report);
        };
        let mut batches: Vec<(Vec<&OutboxRow>, Result<Delivery, String>)> = Vec::new();
        if alert.digest.is_some() {
            let changes: Result<Vec<_>, String> =
                rows.iter().map(|r| parse_change(&r.payload)).collect();
            batches.push((
                rows.iter().collect(),
                changes.map(|changes| {
                    Delivery::Digest(DigestData {
                        alert: alert.name.clone(),
                        changes,
                    })
                }),
            ));
        } else {
            for r in rows.iter().filter(|r| !r.folded) {
                batches.push((
                    vec![r],
                    parse_change(&r.payload).map(|c| Delivery::One(Box::new(c))),
                ));
            }
            // Rows held back by `max_per_hour`: one digest that lists them all.
            let folded: Vec<&OutboxRow> = rows.iter().filter(|r| r.folded).collect();
            if !folded.is_empty() {
                let changes: Result<Vec<_>, String> =
                    folded.iter().map(|r| parse_change(&r.payload)).collect();
                batches.push((
                    folded,
                    changes.map(|changes| {
                        Delivery::Digest(DigestData {
                            alert: alert.name.clone(),
                            changes,
                        })
                    }),
                ));
            }
        }
        for (rows, delivery) in batches {
            let mut wait = None;
            let outcome = match delivery {
                Ok(mut d) => {
                    self.fill_archive_links(&mut d).await;
                    send(alert, &d, &self.http, &self.store).await.map_err(|e| {
                        wait = e.retry_after();
                        e.to_string()
                    })
                }
                Err(e) => Err(e),
            };
            match &outcome {
                Ok(()) => {
                    report.delivered += rows.len();
                    self.failing_steps
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&alert.name);
                    tracing::info!(alert = %alert.name, rows = rows.len(), "alert delivered");
                }
                Err(e) => {
                    report.failed += rows.len();
                    let step = rows.iter().map(|r| r.attempts + 1).max().unwrap_or(1);
                    self.log_failure(&alert.name, step, rows.len(), e);
                }
            }
            let wait_ms = wait.map_or(0, |w| i64::try_from(w.as_millis()).unwrap_or(i64::MAX));
            self.record_all(
                &rows,
                &outcome,
                &rules.delivery,
                rules.delivery.max_attempts,
                wait_ms,
            )
            .await?;
            if wait.is_some() {
                // Rate limited: nothing more goes to this receiver until it said we may.
                self.defer_alert(&alert.name, wait_ms).await?;
                break;
            }
        }
        Ok(report)
    }

    /// Capture requests, one at a time: an archive limits captures in flight per account.
    async fn deliver_archive(
        &self,
        rules: &Rules,
        rows: Vec<OutboxRow>,
    ) -> Result<DrainReport, StoreError> {
        let mut report = DrainReport::default();
        for row in &rows {
            let mut wait = None;
            let outcome = match archive::parse_request(&row.payload) {
                Ok(req) => self.capture(&rules.archive, &req).await.map_err(|e| {
                    wait = e.retry_after();
                    e.to_string()
                }),
                Err(e) => Err(e),
            };
            match &outcome {
                Ok(()) => {
                    report.delivered += 1;
                    self.failing_steps
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(archive::OUTBOX_NAME);
                }
                Err(e) => {
                    report.failed += 1;
                    self.log_failure(archive::OUTBOX_NAME, row.attempts + 1, 1, e);
                }
            }
            let wait_ms = wait.map_or(0, |w| i64::try_from(w.as_millis()).unwrap_or(i64::MAX));
            self.record_all(
                &[row],
                &outcome,
                &rules.delivery,
                rules.delivery.max_attempts,
                wait_ms,
            )
            .await?;
            if wait.is_some() {
                self.defer_alert(archive::OUTBOX_NAME, wait_ms).await?;
                break;
            }
        }
        Ok(report)
    }

    async fn capture(
        &self,
        cfg: &ArchiveConfig,
        req: &ArchiveRequest,
    ) -> Result<(), super::SinkError> {
        match tokio::time::timeout(
            super::DELIVERY_TIMEOUT,
            archive::capture(&self.http, cfg, &self.store, req),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(super::SinkError::Timeout(super::DELIVERY_TIMEOUT)),
        }
    }

    /// Puts an alert's undelivered rows off until `wait_ms` from now (a rate limit).
    async fn defer_alert(&self, name: &str, wait_ms: i64) -> Result<(), StoreError> {
        let store = self.store.clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || {
            let until = unix_now_ms().saturating_add(wait_ms);
            store.write(|tx| outbox::defer_alert(tx, &name, until).map(|_| ()))
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("dispatcher task failed: {e}")))?
    }

    /// Archive links are filled in at send time: captures finish after the alert was written.
    /// A store that cannot be read leaves them empty rather than hold the alert back.
    async fn fill_archive_links(&self, d: &mut Delivery) {
        let store = self.store.clone();
        let mut owned = std::mem::replace(
            d,
            Delivery::Digest(DigestData {
                alert: String::new(),
                changes: Vec::new(),
            }),
        );
        let filled = tokio::task::spawn_blocking(move || {
            let r = store.read(|c| {
                match &mut owned {
                    Delivery::One(c1) => archive::fill_links(c, c1)?,
                    Delivery::Digest(dg) => {
                        for c1 in &mut dg.changes {
                            archive::fill_links(c, c1)?;
                        }
                    }
                }
                Ok(())
            });
            (owned, r)
        })
        .await;
        match filled {
            Ok((owned, r)) => {
                if let Err(e) = r {
                    tracing::debug!(error = %e, "archive links not read");
                }
                *d = owned;
            }
            Err(e) => tracing::warn!(error = %e, "archive link task failed"),
        }
    }

    /// Logs a failed delivery at warn level the first time the alert reaches retry `step`
    /// (its rows' attempt number), at debug level otherwise: with 500 rows queued behind a
    /// receiver that is down, every retry round used to log 500 warnings. A success resets it.
    fn log_failure(&self, alert: &str, step: i64, rows: usize, error: &str) {
        let new_step = {
            let mut steps = self.failing_steps.lock().unwrap_or_else(|p| p.into_inner());
            let logged = steps.entry(alert.to_string()).or_insert(0);
            let new = step > *logged;
            *logged = (*logged).max(step);
            new
        };
        if new_step {
            tracing::warn!(
                alert,
                attempt = step,
                rows,
                error,
                "alert delivery failed; will retry with backoff"
            );
        } else {
            tracing::debug!(alert, attempt = step, rows, error, "alert delivery failed");
        }
    }

    /// Records one outcome for `rows`. If the store refuses, the outcomes are kept in memory
    /// (written before anything else is sent) and the error ends this alert's pass, so no
    /// further row is sent with nowhere to record it.
    async fn record_all(
        &self,
        rows: &[&OutboxRow],
        outcome: &Result<(), String>,
        delivery: &DeliveryConfig,
        max_attempts: u32,
        wait_ms: i64,
    ) -> Result<(), StoreError> {
        for (i, r) in rows.iter().enumerate() {
            if let Err(e) = self
                .record(r, outcome.clone(), delivery, max_attempts, wait_ms)
                .await
            {
                self.unrecorded
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(rows[i..].iter().map(|r| Unrecorded {
                        id: r.id,
                        attempts: r.attempts,
                        outcome: outcome.clone(),
                        max_attempts,
                        wait_ms,
                    }));
                self.store_failed(&e);
                return Err(e);
            }
        }
        Ok(())
    }

    async fn record(
        &self,
        row: &OutboxRow,
        outcome: Result<(), String>,
        delivery: &DeliveryConfig,
        max_attempts: u32,
        wait_ms: i64,
    ) -> Result<(), StoreError> {
        let store = self.store.clone();
        let u = Unrecorded {
            id: row.id,
            attempts: row.attempts,
            outcome,
            max_attempts,
            wait_ms,
        };
        let delivery = delivery.clone();
        tokio::task::spawn_blocking(move || {
            let now = unix_now_ms();
            store.write(|tx| write_outcome(tx, &u, now, &delivery))
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("dispatcher task failed: {e}")))?
    }

    /// When the next pending row is due (unix ms).
    pub async fn next_due(&self) -> Result<Option<i64>, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.read(outbox::next_due))
            .await
            .map_err(|e| StoreError::Invalid(format!("dispatcher task failed: {e}")))?
    }

    /// Delivers continuously until `shutdown`. Each alert has at most one delivery task at a
    /// time and no alert waits for another, so a receiver that hangs delays only its own rows.
    /// Deliveries still in flight at shutdown are dropped unrecorded: their rows stay pending
    /// and go out after the restart (at least once). While outcomes cannot be recorded the
    /// loop sends nothing and retries the store with a growing pause.
    pub async fn run(&self, shutdown: CancellationToken) {
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut tasks = JoinSet::new();
        let mut pause = STORE_DOWN_FIRST_PAUSE;
        loop {
            while tasks.try_join_next().is_some() {}
            if self.flush_unrecorded().await.is_err() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = shutdown.cancelled() => break,
                }
                pause = (pause * 2).min(STORE_DOWN_MAX_PAUSE);
                continue;
            }
            pause = STORE_DOWN_FIRST_PAUSE;
            // Rows due but whose alert is still busy must not turn this loop into a spin.
            let mut only_busy = false;
            match self.due_by_alert().await {
                Ok(groups) => {
                    only_busy = !groups.is_empty();
                    for (name, rows) in groups {
                        if !busy
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(name.clone())
                        {
                            continue;
                        }
                        only_busy = false;
                        let me = self.clone();
                        let busy = busy.clone();
                        tasks.spawn(async move {
                            // A store error was logged once by `record_all` and its outcomes
                            // are kept for `flush_unrecorded`.
                            let _ = me.deliver_alert(&name, rows).await;
                            busy.lock().unwrap_or_else(|p| p.into_inner()).remove(&name);
                        });
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox read failed"),
            }
            let wait = match self.next_due().await {
                Ok(Some(_)) if only_busy => IDLE_WAKE,
                Ok(Some(t)) => Duration::from_millis(u64::try_from(t - unix_now_ms()).unwrap_or(0)),
                _ => IDLE_WAKE,
            }
            .clamp(Duration::from_millis(50), IDLE_WAKE);
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shutdown.cancelled() => break,
            }
        }
    }

    /// Delivers what is due, retrying until nothing is due before `deadline` passes; rows that
    /// would be due later stay pending for the next run (used by `redline poll`).
    pub async fn drain_until(&self, timeout: Duration) -> DrainReport {
        self.drain_for(timeout, &CancellationToken::new()).await
    }

    /// `drain_until` that also stops on `shutdown`. Whatever happens, it returns by `timeout`:
    /// a delivery still in flight then is cut off unrecorded and goes out on the next run. It
    /// also stops at the first outcome the store cannot record, rather than send again.
    pub async fn drain_for(&self, timeout: Duration, shutdown: &CancellationToken) -> DrainReport {
        let deadline = tokio::time::Instant::now() + timeout;
        let total = Mutex::new(DrainReport::default());
        let work = async {
            loop {
                match self.drain().await {
                    Ok(r) => {
                        let mut t = total.lock().unwrap_or_else(|p| p.into_inner());
                        t.delivered += r.delivered;
                        t.failed += r.failed;
                    }
                    // Logged once by `store_failed`.
                    Err(_) => break,
                }
                let now_ms = unix_now_ms();
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                match self.next_due().await {
                    Ok(Some(t)) if t <= now_ms + left.as_millis() as i64 => {
                        let wait = u64::try_from(t - now_ms).unwrap_or(0);
                        tokio::time::sleep(Duration::from_millis(wait.max(10))).await;
                    }
                    _ => break,
                }
            }
        };
        tokio::select! {
            () = work => {}
            () = tokio::time::sleep_until(deadline) => {
                tracing::warn!(timeout_secs = timeout.as_secs(), "alert delivery stopped at delivery.poll_timeout; the rest stays in the outbox");
            }
            () = shutdown.cancelled() => {}
        }
        total.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// Writes one delivery outcome: delivered, or failed with its next attempt time.
fn write_outcome(
    tx: &rusqlite::Connection,
    u: &Unrecorded,
    now_ms: i64,
    delivery: &DeliveryConfig,
) -> Result<(), StoreError> {
    match &u.outcome {
        Ok(()) => outbox::mark_delivered(tx, u.id, now_ms),
        Err(e) => {
            let delay = retry_delay(delivery, u.attempts + 1).max(u.wait_ms);
            outbox::mark_failed(tx, u.id, e, now_ms + delay, u.max_attempts)
        }
    }
}

/// Milliseconds before attempt `attempt + 1`: base × 2^(attempt-1), capped, ±10% jitter.
pub fn retry_delay(cfg: &DeliveryConfig, attempt: i64) -> i64 {
    let exp = u32::try_from((attempt - 1).clamp(0, 30)).unwrap_or(30);
    let base = cfg.retry_base.as_millis() as f64 * f64::from(2u32.saturating_pow(exp.min(30)));
    let capped = base.min(cfg.retry_cap.as_millis() as f64);
    (capped * (0.9 + 0.2 * fastrand::f64())) as i64
}
