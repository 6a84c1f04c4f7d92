//! The outbox drain: due rows go to their sink, each alert in its own task so a slow or
//! failing receiver holds up no other; failures are recorded and retried with capped
//! exponential backoff. Delivery is at least once: the change id in every payload lets a
//! receiver drop duplicates.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::payload::{Delivery, DigestData, parse_change};
use super::send;
use crate::config::{AlertConfig, DeliveryConfig, HttpConfig};
use crate::netguard::{GuardedClient, NetGuard};
use crate::store::outbox::{self, OutboxRow};
use crate::store::{Store, StoreError, unix_now_ms};

/// Rows fetched per pass.
const BATCH: i64 = 500;
/// The loop looks at the outbox at least this often.
const IDLE_WAKE: Duration = Duration::from_secs(1);

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
}

#[derive(Clone)]
pub struct Dispatcher {
    store: Store,
    rules: Arc<std::sync::RwLock<Arc<Rules>>>,
    http: GuardedClient,
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
            rules: Arc::new(std::sync::RwLock::new(Arc::new(Rules { alerts, delivery }))),
            http: GuardedClient { client, guard },
        })
    }

    /// A dispatcher for the config's alert rules and delivery settings.
    pub fn from_config(
        store: Store,
        config: &crate::config::Config,
    ) -> Result<Self, reqwest::Error> {
        Self::new(
            store,
            config.alerts.clone(),
            config.delivery.clone(),
            &config.http,
        )
    }

    /// Replaces the alert rules (config reload). Rows of removed alerts are parked.
    pub fn set_rules(&self, alerts: Vec<AlertConfig>, delivery: DeliveryConfig) {
        let mut guard = self.rules.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(Rules { alerts, delivery });
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
    pub async fn drain(&self) -> Result<DrainReport, StoreError> {
        let by_alert = self.due_by_alert().await?;
        let mut set = JoinSet::new();
        for (name, rows) in by_alert {
            let me = self.clone();
            set.spawn(async move { me.deliver_alert(&name, rows).await });
        }
        let mut report = DrainReport::default();
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok(r)) => {
                    report.delivered += r.delivered;
                    report.failed += r.failed;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "could not record a delivery"),
                Err(e) => tracing::warn!(error = %e, "delivery task failed"),
            }
        }
        Ok(report)
    }

    async fn deliver_alert(
        &self,
        name: &str,
        rows: Vec<OutboxRow>,
    ) -> Result<DrainReport, StoreError> {
        let mut report = DrainReport::default();
        let rules = self.rules();
        let Some(alert) = rules.alerts.iter().find(|a| a.name == name) else {
            // The alert was removed from the config: park its rows rather than retry forever.
            for r in &rows {
                self.record(
                    r,
                    Err(format!("alert `{name}` is no longer in the config")),
                    &rules.delivery,
                    1,
                )
                .await?;
            }
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
            for r in &rows {
                batches.push((
                    vec![r],
                    parse_change(&r.payload).map(|c| Delivery::One(Box::new(c))),
                ));
            }
        }
        for (rows, delivery) in batches {
            let outcome = match delivery {
                Ok(d) => send(alert, &d, &self.http, &self.store)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match &outcome {
                Ok(()) => {
                    report.delivered += rows.len();
                    tracing::info!(alert = %alert.name, rows = rows.len(), "alert delivered");
                }
                Err(e) => {
                    report.failed += rows.len();
                    tracing::warn!(alert = %alert.name, error = %e, "alert delivery failed");
                }
            }
            for r in rows {
                self.record(
                    r,
                    outcome.clone(),
                    &rules.delivery,
                    rules.delivery.max_attempts,
                )
                .await?;
            }
        }
        Ok(report)
    }

    async fn record(
        &self,
        row: &OutboxRow,
        outcome: Result<(), String>,
        delivery: &DeliveryConfig,
        max_attempts: u32,
    ) -> Result<(), StoreError> {
        let store = self.store.clone();
        let id = row.id;
        let delay = retry_delay(delivery, row.attempts + 1);
        tokio::task::spawn_blocking(move || {
            let now = unix_now_ms();
            store.write(|tx| match &outcome {
                Ok(()) => outbox::mark_delivered(tx, id, now),
                Err(e) => outbox::mark_failed(tx, id, e, now + delay, max_attempts),
            })
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
    /// and go out after the restart (at least once).
    pub async fn run(&self, shutdown: CancellationToken) {
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
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
                            if let Err(e) = me.deliver_alert(&name, rows).await {
                                tracing::warn!(alert = %name, error = %e, "could not record a delivery");
                            }
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
        let deadline = unix_now_ms() + timeout.as_millis() as i64;
        let mut total = DrainReport::default();
        loop {
            match self.drain().await {
                Ok(r) => {
                    total.delivered += r.delivered;
                    total.failed += r.failed;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "outbox drain failed");
                    break;
                }
            }
            match self.next_due().await {
                Ok(Some(t)) if t <= deadline => {
                    let wait = u64::try_from(t - unix_now_ms()).unwrap_or(0);
                    tokio::time::sleep(Duration::from_millis(wait.max(10))).await;
                }
                _ => break,
            }
        }
        total
    }
}

/// Milliseconds before attempt `attempt + 1`: base × 2^(attempt-1), capped, ±10% jitter.
pub fn retry_delay(cfg: &DeliveryConfig, attempt: i64) -> i64 {
    let exp = u32::try_from((attempt - 1).clamp(0, 30)).unwrap_or(30);
    let base = cfg.retry_base.as_millis() as f64 * f64::from(2u32.saturating_pow(exp.min(30)));
    let capped = base.min(cfg.retry_cap.as_millis() as f64);
    (capped * (0.9 + 0.2 * fastrand::f64())) as i64
}
