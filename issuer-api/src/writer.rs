//! Storing certified batches: on SQLite, one transaction (one fsync) for
//! every batch waiting at that moment — a group commit.
//!
//! SQLite has one writer, and with `synchronous=FULL` every commit waits
//! for the WAL to reach the disk. Committing batch by batch, the writer
//! spends most of its time in that wait while other batches queue behind
//! it, and throughput stops at one batch per fsync however many cores sign.
//! Here the batches that arrive while a commit is in flight are written
//! together by the next one. Nothing is answered before its group has
//! committed, so an answered certificate is exactly as durable as before;
//! a crash loses only groups nobody was told about.
//!
//! PostgreSQL commits concurrent transactions from many connections and
//! coalesces their WAL flushes itself, so there each batch is written in a
//! transaction of its own, through the same code.

use std::collections::HashSet;

use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::store::{CertificateRecord, NewAudit, NewEvent, Store};

/// Most certificates written by one group transaction: bounds the
/// transaction's size and the latency of the batches in it.
const MAX_GROUP_CERTIFICATES: usize = 5_000;

/// Batches waiting for the writer at most (callers wait beyond that).
const QUEUE_DEPTH: usize = 256;

/// One batch's writes: certificates, and the audit entries and events of
/// each, written only if that certificate is inserted (not a duplicate).
#[derive(Debug, Default)]
pub struct BatchWrite {
    /// Certificates to insert.
    pub certificates: Vec<CertificateRecord>,
    /// Audit entries; `subject` is a certificate id of this batch.
    pub audit: Vec<AuditEntry>,
    /// Outbox events; `subject` is a certificate id of this batch.
    pub events: Vec<NewEvent>,
}

/// An audit entry about a certificate.
#[derive(Debug)]
pub struct AuditEntry {
    /// When, Unix ms.
    pub at: i64,
    /// Who.
    pub actor: String,
    /// What.
    pub action: &'static str,
    /// The certificate.
    pub subject: String,
    /// Details, JSON text.
    pub details: String,
}

/// What became of one certificate of a [`BatchWrite`].
#[derive(Debug)]
pub enum Written {
    /// Stored now.
    Inserted(Box<CertificateRecord>),
    /// Not stored: its idempotency key was taken (by a concurrent batch).
    Taken {
        /// The certificate holding the key (none if ours lost on its id,
        /// an 80-bit collision).
        winner: Option<Box<CertificateRecord>>,
    },
}

/// The outcome of a [`BatchWrite`].
#[derive(Debug)]
pub struct BatchWritten {
    /// One per certificate, in order.
    pub certificates: Vec<Written>,
    /// Whether any event was queued (the outbox worker is to be woken).
    pub queued_events: bool,
}

struct Job {
    write: BatchWrite,
    done: oneshot::Sender<Result<BatchWritten, Error>>,
}

/// The certify write path of a store.
#[derive(Debug)]
pub struct Writer {
    store: Store,
    /// SQLite: the group-commit task's queue.
    queue: Option<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

impl Writer {
    /// The write path for `store`; on SQLite this starts the group-commit
    /// task (it ends when the writer is dropped).
    pub fn new(store: Store) -> Self {
        let queue = match &store {
            Store::Sqlite { .. } => {
                let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
                tokio::spawn(group_commit(store.clone(), jobs));
                Some(queue)
            }
            Store::Postgres(_) => None,
        };
        Self { store, queue }
    }

    /// Store a batch; returns once it is durable.
    pub async fn write(&self, write: BatchWrite) -> Result<BatchWritten, Error> {
        let Some(queue) = &self.queue else {
            let mut written = write_group(&self.store, vec![write]).await?;
            return written
                .pop()
                .ok_or_else(|| Error::Task("a write group lost its batch".into()));
        };
        let (done, result) = oneshot::channel();
        queue
            .send(Job { write, done })
            .await
            .map_err(|_| Error::Task("the writer has stopped".into()))?;
        result
            .await
            .map_err(|_| Error::Task("the writer ended without an answer".into()))?
    }
}

/// The SQLite writer: take every batch waiting, write them in one
/// transaction, answer each once it has committed.
async fn group_commit(store: Store, mut jobs: mpsc::Receiver<Job>) {
    while let Some(first) = jobs.recv().await {
        let mut size = first.write.certificates.len();
        let mut group = vec![first];
        while size < MAX_GROUP_CERTIFICATES {
            match jobs.try_recv() {
                Ok(job) => {
                    size += job.write.certificates.len();
                    group.push(job);
                }
                Err(_) => break,
            }
        }
        metrics::histogram!("issuer_commit_group_batches").record(group.len() as f64);
        let (writes, answers): (Vec<_>, Vec<_>) =
            group.into_iter().map(|job| (job.write, job.done)).unzip();
        match write_group(&store, writes).await {
            Ok(written) => {
                for (answer, written) in answers.into_iter().zip(written) {
                    // A caller that went away (timeout) has nothing to hear.
                    let _ = answer.send(Ok(written));
                }
            }
            Err(e) => {
                // Nothing of the group was stored; each caller answers 500
                // and the details are logged here, once.
                tracing::error!(error = %e, batches = answers.len(), "writing a group of batches failed");
                for answer in answers {
                    let _ = answer.send(Err(Error::Task(
                        "storing the batch failed; nothing was stored".into(),
                    )));
                }
            }
        }
    }
}

/// Write batches in one transaction.
async fn write_group(store: &Store, writes: Vec<BatchWrite>) -> Result<Vec<BatchWritten>, Error> {
    let mut tx = store.begin().await?;
    let all: Vec<&CertificateRecord> = writes.iter().flat_map(|w| &w.certificates).collect();
    let inserted: HashSet<String> = tx.insert_certificates(&all).await?;
    drop(all);
    let audit: Vec<NewAudit<'_>> = writes
        .iter()
        .flat_map(|w| &w.audit)
        .filter(|a| inserted.contains(&a.subject))
        .map(|a| NewAudit {
            at: a.at,
            actor: &a.actor,
            action: a.action,
            subject: Some(&a.subject),
            details: &a.details,
        })
        .collect();
    tx.audit_many(&audit).await?;
    drop(audit);
    let mut out = Vec::with_capacity(writes.len());
    for write in writes {
        let events: Vec<NewEvent> = write
            .events
            .into_iter()
            .filter(|e| inserted.contains(&e.subject))
            .collect();
        tx.enqueue_many(&events).await?;
        let mut certificates = Vec::with_capacity(write.certificates.len());
        for record in write.certificates {
            if inserted.contains(&record.id) {
                certificates.push(Written::Inserted(Box::new(record)));
            } else {
                let winner = tx
                    .certificate_by_key(&record.programme, &record.pre_enrollment_code, record.dose)
                    .await?;
                certificates.push(Written::Taken {
                    winner: winner.map(Box::new),
                });
            }
        }
        out.push(BatchWritten {
            certificates,
            queued_events: !events.is_empty(),
        });
    }
    tx.commit().await?;
    Ok(out)
}
