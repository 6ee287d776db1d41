//! The SQLite store (`rusqlite`, SQLite compiled in): one file holds every execution, its
//! history and checkpoint, and the service's resources.
//!
//! - Durability: WAL journal with `synchronous=FULL`, so a commit that returned is on disk
//!   and survives `kill -9` (and, as far as the disk honours fsync, power loss).
//! - One writer: a thread owns the only writing connection and applies commits in
//!   `BEGIN IMMEDIATE` transactions. It takes every commit waiting for it into one
//!   transaction (group commit): many executions' transitions share one fsync. Each commit
//!   runs in a savepoint, so one that is refused (a conflict) does not undo the others.
//! - Reads use their own connection; in WAL mode they never wait for the writer.
//! - One process: an exclusive lock on `<file>.lock` is held while the store is open.
//! - The schema's version is `PRAGMA user_version`; opening a file written by a newer
//!   version, or one that is not a database, is an error, never a reset.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};
use std::thread;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::oneshot;

use super::memory::{check_commit, check_redrive, reopen};
use super::{
    Commit, ExecutionRecord, NewExecution, Redrive, Started, Store, StoreError, StoreFuture,
};
use crate::executor::{Checkpoint, Status, lock};
use crate::history::HistoryEvent;

/// The schema version this program writes, and the newest it reads.
const SCHEMA_VERSION: i64 = 2;

/// How many read connections serve the API's reads at once.
const READERS: usize = 4;

/// The most commits one transaction groups: enough to amortise an fsync, few enough that
/// no commit waits long behind the others.
const MAX_GROUP: usize = 1024;

/// The migrations, in order: `MIGRATIONS[n]` takes a file from version `n` to `n + 1`.
pub(super) const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE definitions (
        hash TEXT PRIMARY KEY,
        text TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        arn TEXT NOT NULL UNIQUE,
        state_machine_arn TEXT NOT NULL,
        status TEXT NOT NULL,
        record TEXT NOT NULL,
        checkpoint TEXT,
        events INTEGER NOT NULL
    );
    CREATE INDEX executions_by_state_machine ON executions (state_machine_arn, seq);
    CREATE INDEX executions_running ON executions (status) WHERE status = 'RUNNING';
    CREATE TABLE events (
        execution INTEGER NOT NULL,
        id INTEGER NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (execution, id)
    ) WITHOUT ROWID;
    CREATE TABLE resources (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        arn TEXT NOT NULL,
        body TEXT NOT NULL,
        UNIQUE (kind, arn)
    );
",
    "
    CREATE TABLE progress (
        execution INTEGER NOT NULL,
        key TEXT NOT NULL,
        item INTEGER NOT NULL,
        output TEXT NOT NULL,
        PRIMARY KEY (execution, key, item)
    ) WITHOUT ROWID;
",
];

/// A store in one SQLite file. See the module docs.
pub struct SqliteStore {
    path: String,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<thread::JoinHandle<()>>>,
    /// Read connections: in WAL mode they read while the writer writes, and each other.
    readers: Vec<Mutex<Connection>>,
    /// Held for the store's life: the exclusive lock on `<file>.lock`.
    _lock: File,
}

/// One write, and where its result goes.
struct Job {
    write: Write,
    reply: oneshot::Sender<Result<Written, StoreError>>,
}

enum Write {
    Start(Box<NewExecution>),
    Commit(String, Box<Commit>),
    Redrive(String, Box<Redrive>),
    Progress {
        arn: String,
        key: String,
        index: u64,
        output: String,
    },
    PutResource(String, String, Value),
    DeleteResource(String, String),
}

enum Written {
    Started(Started),
    Done,
    Deleted(bool),
}

impl SqliteStore {
    /// Opens (or creates) the store at `path`, migrating an older schema. Fails with a clear
    /// error for a file that is not a database, is corrupt, read-only, locked by another
    /// process, or written by a newer version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let lock = lock_file(path, &shown)?;
        let writer = open_writer(path, &shown)?;
        let readers = (0..READERS)
            .map(|_| {
                Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .map(Mutex::new)
                .map_err(|e| classify(&shown, e))
            })
            .collect::<Result<_, _>>()?;
        let (sender, receiver) = mpsc::channel();
        let thread_path = shown.clone();
        let thread = thread::Builder::new()
            .name("workflow-store-writer".into())
            .spawn(move || write_loop(writer, receiver, &thread_path))
            .map_err(|e| StoreError::Io(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            path: shown,
            writer: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
            readers,
            _lock: lock,
        })
    }

    /// The schema version this program writes.
    pub const SCHEMA_VERSION: i64 = SCHEMA_VERSION;

    /// Runs SQLite's full `PRAGMA integrity_check` (opening runs the quicker
    /// `quick_check`).
    pub fn check_integrity(&self) -> Result<(), StoreError> {
        let result: String =
            self.read(|c| c.query_row("PRAGMA integrity_check", [], |row| row.get(0)))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: result,
            })
        }
    }

    fn send(&self, write: Write) -> oneshot::Receiver<Result<Written, StoreError>> {
        let (reply, receiver) = oneshot::channel();
        if let Some(sender) = lock(&self.writer).as_ref() {
            // A send fails only when the writer thread has ended; the dropped reply then
            // answers `Closed`.
            let _ = sender.send(Job { write, reply });
        }
        receiver
    }

    fn write(&self, write: Write) -> StoreFuture<'_, Written> {
        let receiver = self.send(write);
        Box::pin(async move { receiver.await.unwrap_or(Err(StoreError::Closed)) })
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        // The first free connection; if all are busy, wait for one (reads are short).
        let connection = self
            .readers
            .iter()
            .find_map(|reader| reader.try_lock().ok())
            .unwrap_or_else(|| lock(&self.readers[0]));
        f(&connection).map_err(|e| classify(&self.path, e))
    }

    fn decode<T: DeserializeOwned>(&self, what: &str, text: &str) -> Result<T, StoreError> {
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            detail: format!("{what} does not read back: {e}"),
        })
    }
}

impl Drop for SqliteStore {
    /// Lets the writer finish what it was given, then closes the file.
    fn drop(&mut self) {
        lock(&self.writer).take();
        if let Some(thread) = lock(&self.thread).take() {
            let _ = thread.join();
        }
    }
}

/// Takes the exclusive lock that keeps a second process off the store.
fn lock_file(path: &Path, shown: &str) -> Result<File, StoreError> {
    let mut lock_path = PathBuf::from(path).into_os_string();
    lock_path.push(".lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::PermissionDenied => StoreError::ReadOnly(shown.to_owned()),
            _ => StoreError::Io(format!("cannot open {}: {e}", lock_path.display())),
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked(shown.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io(format!(
            "cannot lock {}: {e}",
            lock_path.display()
        ))),
    }
}

/// Opens the writing connection: checks the file, sets durability, migrates the schema.
fn open_writer(path: &Path, shown: &str) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| classify(shown, e))?;
    if conn.is_readonly("main").unwrap_or(false) {
        return Err(StoreError::ReadOnly(shown.to_owned()));
    }
    let check = |e| classify(shown, e);
    // The first read of the file: a file that is not a database fails here.
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(check)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: shown.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let integrity: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .map_err(check)?;
    if integrity != "ok" {
        return Err(StoreError::Corrupt {
            path: shown.to_owned(),
            detail: integrity,
        });
    }
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(check)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Io(format!(
            "{shown}: cannot use the WAL journal (got {mode})"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(check)?;
    migrate(&conn, version).map_err(check)?;
    Ok(conn)
}

/// Runs the migrations from `version` to [`SCHEMA_VERSION`], each in its own transaction.
fn migrate(conn: &Connection, version: i64) -> rusqlite::Result<()> {
    for (from, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {sql} PRAGMA user_version = {}; COMMIT;",
            from + 1
        ))?;
    }
    Ok(())
}

/// A rusqlite error as a store error, naming what is wrong with the file where SQLite says.
fn classify(path: &str, error: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_owned(),
            detail: error.to_string(),
        },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly(path.to_owned()),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StoreError::Locked(path.to_owned())
        }
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            StoreError::Io(format!("cannot open {path}: {error}"))
        }
        _ => StoreError::Io(format!("{path}: {error}")),
    }
}

/// The writer thread: takes every job waiting, applies them in one transaction, replies.
fn write_loop(mut conn: Connection, jobs: mpsc::Receiver<Job>, path: &str) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let results = apply_group(&mut conn, &group, path);
        for (job, result) in group.into_iter().zip(results) {
            // The caller may have given up waiting; nothing to do then.
            let _ = job.reply.send(result);
        }
    }
}

fn apply_group(
    conn: &mut Connection,
    group: &[Job],
    path: &str,
) -> Vec<Result<Written, StoreError>> {
    let all_fail = |e: rusqlite::Error| {
        let error = classify(path, e);
        group.iter().map(|_| Err(error.clone())).collect()
    };
    let mut transaction =
        match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
            Ok(t) => t,
            Err(e) => return all_fail(e),
        };
    let mut results = Vec::with_capacity(group.len());
    for job in group {
        let result = (|| {
            let savepoint = transaction.savepoint()?;
            let result = apply(&savepoint, &job.write, path);
            match &result {
                Ok(_) => savepoint.commit()?,
                // Dropping a savepoint rolls it back.
                Err(_) => drop(savepoint),
            }
            Ok::<_, rusqlite::Error>(result)
        })();
        results.push(result.unwrap_or_else(|e| Err(classify(path, e))));
    }
    match transaction.commit() {
        Ok(()) => results,
        Err(e) => all_fail(e),
    }
}

fn json<T: Serialize>(value: &T) -> String {
    // Plain data with string keys: serialising it cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

fn apply(conn: &Connection, write: &Write, path: &str) -> Result<Written, StoreError> {
    let sql = |e| classify(path, e);
    match write {
        Write::Start(start) => {
            let existing: Option<String> = conn
                .query_row(
                    "SELECT record FROM executions WHERE arn = ?1",
                    [&start.record.arn],
                    |row| row.get(0),
                )
                .optional()
                .map_err(sql)?;
            if let Some(record) = existing {
                let record = serde_json::from_str(&record).map_err(|e| StoreError::Corrupt {
                    path: path.to_owned(),
                    detail: format!("an execution record does not read back: {e}"),
                })?;
                return Ok(Written::Started(Started::Existing(Box::new(record))));
            }
            conn.execute(
                "INSERT OR IGNORE INTO definitions (hash, text) VALUES (?1, ?2)",
                params![start.record.definition_hash, start.definition],
            )
            .map_err(sql)?;
            conn.execute(
                "INSERT INTO executions (arn, state_machine_arn, status, record, checkpoint, events)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                params![
                    start.record.arn,
                    start.record.state_machine_arn,
                    start.record.status.as_str(),
                    json(&start.record),
                    json(&start.checkpoint),
                ],
            )
            .map_err(sql)?;
            let seq = conn.last_insert_rowid();
            conn.execute(
                "INSERT INTO events (execution, id, event) VALUES (?1, ?2, ?3)",
                params![seq, start.started.id as i64, json(&start.started)],
            )
            .map_err(sql)?;
            Ok(Written::Started(Started::New))
        }
        Write::Commit(arn, commit) => {
            let (seq, mut record, stored) = stored_execution(conn, path, arn)?;
            check_commit(&record, stored as u64, commit)?;
            let mut insert = conn
                .prepare_cached("INSERT INTO events (execution, id, event) VALUES (?1, ?2, ?3)")
                .map_err(sql)?;
            for event in &commit.events {
                insert
                    .execute(params![seq, event.id as i64, json(event)])
                    .map_err(sql)?;
            }
            record.status = commit.status;
            record.output.clone_from(&commit.output);
            record.error.clone_from(&commit.error);
            record.cause.clone_from(&commit.cause);
            record.stop_date = commit.stop_date;
            conn.execute(
                "UPDATE executions SET status = ?2, record = ?3,
                 checkpoint = COALESCE(?4, checkpoint), events = ?5 WHERE seq = ?1",
                params![
                    seq,
                    record.status.as_str(),
                    json(&record),
                    commit.checkpoint.as_ref().map(json),
                    stored + commit.events.len() as i64,
                ],
            )
            .map_err(sql)?;
            if record.status == Status::Succeeded {
                conn.execute("DELETE FROM progress WHERE execution = ?1", [seq])
                    .map_err(sql)?;
            }
            Ok(Written::Done)
        }
        Write::Redrive(arn, redrive) => {
            let (seq, mut record, stored) = stored_execution(conn, path, arn)?;
            check_redrive(&record, stored as u64, redrive)?;
            conn.execute(
                "INSERT INTO events (execution, id, event) VALUES (?1, ?2, ?3)",
                params![seq, redrive.event.id as i64, json(&redrive.event)],
            )
            .map_err(sql)?;
            reopen(&mut record, redrive.date);
            conn.execute(
                "UPDATE executions SET status = ?2, record = ?3, checkpoint = ?4, events = ?5
                 WHERE seq = ?1",
                params![
                    seq,
                    record.status.as_str(),
                    json(&record),
                    json(&redrive.checkpoint),
                    stored + 1,
                ],
            )
            .map_err(sql)?;
            Ok(Written::Done)
        }
        Write::Progress {
            arn,
            key,
            index,
            output,
        } => {
            // Not for a succeeded execution, whose progress is gone for good. A failed one
            // keeps what arrives after its end (records are written after the items end,
            // not with the state's commit) for a redrive.
            conn.execute(
                "INSERT OR REPLACE INTO progress (execution, key, item, output)
                 SELECT seq, ?2, ?3, ?4 FROM executions WHERE arn = ?1 AND status != 'SUCCEEDED'",
                params![arn, key, *index as i64, output],
            )
            .map_err(sql)?;
            Ok(Written::Done)
        }
        Write::PutResource(kind, arn, body) => {
            conn.execute(
                "INSERT INTO resources (kind, arn, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, arn) DO UPDATE SET body = excluded.body",
                params![kind, arn, json(body)],
            )
            .map_err(sql)?;
            Ok(Written::Done)
        }
        Write::DeleteResource(kind, arn) => {
            let deleted = conn
                .execute(
                    "DELETE FROM resources WHERE kind = ?1 AND arn = ?2",
                    params![kind, arn],
                )
                .map_err(sql)?;
            Ok(Written::Deleted(deleted > 0))
        }
    }
}

/// An execution's row: its sequence number, record and number of events.
fn stored_execution(
    conn: &Connection,
    path: &str,
    arn: &str,
) -> Result<(i64, ExecutionRecord, i64), StoreError> {
    let row: Option<(i64, String, i64)> = conn
        .query_row(
            "SELECT seq, record, events FROM executions WHERE arn = ?1",
            [arn],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(|e| classify(path, e))?;
    let Some((seq, record, stored)) = row else {
        return Err(StoreError::Conflict(format!("no execution {arn}")));
    };
    let record = serde_json::from_str(&record).map_err(|e| StoreError::Corrupt {
        path: path.to_owned(),
        detail: format!("the record of {arn} does not read back: {e}"),
    })?;
    Ok((seq, record, stored))
}

impl Store for SqliteStore {
    fn start(&self, start: NewExecution) -> StoreFuture<'_, Started> {
        let written = self.write(Write::Start(Box::new(start)));
        Box::pin(async move {
            match written.await? {
                Written::Started(started) => Ok(started),
                _ => Err(StoreError::Io("unexpected answer from the writer".into())),
            }
        })
    }

    fn commit(&self, arn: String, commit: Commit) -> StoreFuture<'_, ()> {
        let written = self.write(Write::Commit(arn, Box::new(commit)));
        Box::pin(async move { written.await.map(|_| ()) })
    }

    fn redrive(&self, arn: String, redrive: Redrive) -> StoreFuture<'_, ()> {
        let written = self.write(Write::Redrive(arn, Box::new(redrive)));
        Box::pin(async move { written.await.map(|_| ()) })
    }

    fn checkpoint(&self, arn: &str) -> Result<Option<Checkpoint>, StoreError> {
        let text: Option<Option<String>> = self.read(|c| {
            c.query_row(
                "SELECT checkpoint FROM executions WHERE arn = ?1",
                [arn],
                |row| row.get(0),
            )
            .optional()
        })?;
        text.flatten()
            .map(|t| self.decode("a checkpoint", &t))
            .transpose()
    }

    fn execution(&self, arn: &str) -> Result<Option<ExecutionRecord>, StoreError> {
        let text: Option<String> = self.read(|c| {
            c.query_row(
                "SELECT record FROM executions WHERE arn = ?1",
                [arn],
                |row| row.get(0),
            )
            .optional()
        })?;
        text.map(|t| self.decode("an execution record", &t))
            .transpose()
    }

    fn executions(
        &self,
        state_machine_arn: Option<&str>,
    ) -> Result<Vec<ExecutionRecord>, StoreError> {
        let texts: Vec<String> = self.read(|c| {
            let mut statement = c.prepare_cached(
                "SELECT record FROM executions
                 WHERE ?1 IS NULL OR state_machine_arn = ?1 ORDER BY seq DESC",
            )?;
            let rows = statement.query_map([state_machine_arn], |row| row.get(0))?;
            rows.collect()
        })?;
        texts
            .iter()
            .map(|t| self.decode("an execution record", t))
            .collect()
    }

    fn history(&self, arn: &str) -> Result<Vec<HistoryEvent>, StoreError> {
        let texts: Vec<String> = self.read(|c| {
            let mut statement = c.prepare_cached(
                "SELECT e.event FROM events e JOIN executions x ON e.execution = x.seq
                 WHERE x.arn = ?1 ORDER BY e.id",
            )?;
            let rows = statement.query_map([arn], |row| row.get(0))?;
            rows.collect()
        })?;
        texts
            .iter()
            .map(|t| self.decode("a history event", t))
            .collect()
    }

    fn event_count(&self, arn: &str) -> Result<u64, StoreError> {
        let count: Option<i64> = self.read(|c| {
            c.query_row(
                "SELECT events FROM executions WHERE arn = ?1",
                [arn],
                |row| row.get(0),
            )
            .optional()
        })?;
        Ok(count.unwrap_or(0) as u64)
    }

    fn definition(&self, hash: &str) -> Result<Option<String>, StoreError> {
        self.read(|c| {
            c.query_row(
                "SELECT text FROM definitions WHERE hash = ?1",
                [hash],
                |row| row.get(0),
            )
            .optional()
        })
    }

    fn running(&self) -> Result<Vec<(ExecutionRecord, Checkpoint)>, StoreError> {
        let rows: Vec<(String, Option<String>)> = self.read(|c| {
            let mut statement = c.prepare_cached(
                "SELECT record, checkpoint FROM executions WHERE status = ?1 ORDER BY seq",
            )?;
            let rows = statement.query_map([Status::Running.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?;
            rows.collect()
        })?;
        rows.iter()
            .map(|(record, checkpoint)| {
                let record: ExecutionRecord = self.decode("an execution record", record)?;
                let checkpoint = checkpoint.as_deref().ok_or_else(|| StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("the running execution {} has no checkpoint", record.arn),
                })?;
                Ok((record, self.decode("a checkpoint", checkpoint)?))
            })
            .collect()
    }

    fn record_progress(
        &self,
        arn: String,
        key: String,
        index: u64,
        output: String,
    ) -> StoreFuture<'_, ()> {
        let written = self.write(Write::Progress {
            arn,
            key,
            index,
            output,
        });
        Box::pin(async move { written.await.map(|_| ()) })
    }

    fn progress(&self, arn: &str, key: &str) -> Result<Vec<(u64, String)>, StoreError> {
        self.read(|c| {
            let mut statement = c.prepare_cached(
                "SELECT p.item, p.output FROM progress p JOIN executions x ON p.execution = x.seq
                 WHERE x.arn = ?1 AND p.key = ?2 ORDER BY p.item",
            )?;
            let rows = statement.query_map([arn, key], |row| {
                Ok((row.get::<_, i64>(0)? as u64, row.get(1)?))
            })?;
            rows.collect()
        })
    }

    fn put_resource(&self, kind: &str, arn: String, body: Value) -> StoreFuture<'_, ()> {
        let written = self.write(Write::PutResource(kind.to_owned(), arn, body));
        Box::pin(async move { written.await.map(|_| ()) })
    }

    fn delete_resource(&self, kind: &str, arn: String) -> StoreFuture<'_, bool> {
        let written = self.write(Write::DeleteResource(kind.to_owned(), arn));
        Box::pin(async move {
            match written.await? {
                Written::Deleted(deleted) => Ok(deleted),
                _ => Ok(false),
            }
        })
    }

    fn resource(&self, kind: &str, arn: &str) -> Result<Option<Value>, StoreError> {
        let text: Option<String> = self.read(|c| {
            c.query_row(
                "SELECT body FROM resources WHERE kind = ?1 AND arn = ?2",
                [kind, arn],
                |row| row.get(0),
            )
            .optional()
        })?;
        text.map(|t| self.decode("a resource", &t)).transpose()
    }

    fn resources(&self, kind: &str) -> Result<Vec<Value>, StoreError> {
        let texts: Vec<String> = self.read(|c| {
            let mut statement =
                c.prepare_cached("SELECT body FROM resources WHERE kind = ?1 ORDER BY seq")?;
            let rows = statement.query_map([kind], |row| row.get(0))?;
            rows.collect()
        })?;
        texts.iter().map(|t| self.decode("a resource", t)).collect()
    }
}
