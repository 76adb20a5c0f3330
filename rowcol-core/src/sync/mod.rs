//! What moves between the rail, the engine and the mirror during a sync:
//! batches, checkpoints, runs, dead letters, the audit chain and health.

mod audit;
mod batch;
mod health;
mod notice;
mod run;

pub use audit::{AuditAction, AuditEntry, AuditVerification, ChainWalker, GENESIS_HASH};
pub use batch::{
    ApplyOutcome, BalancePoint, ChangeCursor, Checkpoint, DeadLetter, PageCursor, RecordState, Rejected, SourceRecord,
    SyncBatch, SyncPosition, Tombstone,
};
pub use health::{ClientHealth, KindHealth, ReconcileHealth};
pub use notice::{ChangeNotice, NoticeOperation};
pub use run::{RunCounts, RunId, RunStatus, SyncMode, SyncRun, SyncTrigger};
