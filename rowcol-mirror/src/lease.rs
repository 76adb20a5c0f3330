//! The `LeaseStore` port: one row per lease, taken or renewed by a single
//! conditional upsert so that two processes asking at once cannot both win.

use async_trait::async_trait;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rowcol_core::ports::LeaseHold;
use rowcol_core::{ErrorContext, LeaseStore, RowcolError};

use crate::backend::Backend;
use crate::error::store_error;
use crate::store::{SqlMirror, bind_int, bind_text, need_int, need_text, sql};

#[async_trait]
impl<DB: Backend> LeaseStore for SqlMirror<DB> {
    async fn try_acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let now = self.now_us();
        let ttl_us = i64::try_from(ttl.as_micros()).unwrap_or(i64::MAX);
        let mut q = sql::<DB>("INSERT INTO leases (name, holder, expires_us) VALUES (");
        bind_text(&mut q, name);
        q.push(", ");
        bind_text(&mut q, holder);
        q.push(", ");
        bind_int(&mut q, now.saturating_add(ttl_us));
        q.push(
            ") ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_us = excluded.expires_us \
             WHERE leases.holder = excluded.holder OR leases.expires_us <= ",
        );
        bind_int(&mut q, now);
        let changed = DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "taking a lease"))?;
        Ok(changed == 1)
    }

    async fn release(&self, name: &str, holder: &str) -> Result<(), RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("DELETE FROM leases WHERE name = ");
        bind_text(&mut q, name);
        q.push(" AND holder = ");
        bind_text(&mut q, holder);
        DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "releasing a lease"))?;
        Ok(())
    }

    async fn holder(&self, name: &str) -> Result<Option<LeaseHold>, RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT holder, expires_us FROM leases WHERE name = ");
        bind_text(&mut q, name);
        q.push(" AND expires_us > ");
        bind_int(&mut q, self.now_us());
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading a lease"))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        Ok(Some(LeaseHold {
            holder: need_text::<DB>(row, 0)?,
            expires_at: DateTime::<Utc>::from_timestamp_micros(need_int::<DB>(row, 1)?).unwrap_or_default(),
        }))
    }
}
