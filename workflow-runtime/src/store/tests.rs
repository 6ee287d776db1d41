//! Checks every store passes, run on [`MemoryStore`] and (with the `sqlite` feature) on
//! [`super::SqliteStore`], plus what only a file-backed store can show.

use serde_json::json;
use workflow_core::timestamp::Timestamp;

use super::*;
use crate::history::EventType;
use crate::{ExecutionConfig, Executor, Resources};

fn at(second: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_700_000_000_000 + second * 1000)
}

/// A new execution record, its first event and a checkpoint from a real execution.
pub(crate) fn new_execution(name: &str) -> NewExecution {
    let definition = r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}"#;
    let machine = workflow_core::StateMachine::from_json_str(definition).expect("valid");
    let config = ExecutionConfig {
        name: name.to_owned(),
        ..ExecutionConfig::default()
    };
    let execution = Executor::new(Resources::new())
        .with_config(config.clone())
        .start(std::sync::Arc::new(machine), json!({ "n": 1 }))
        .expect("starts");
    NewExecution {
        record: ExecutionRecord {
            arn: config.execution_arn(),
            name: name.to_owned(),
            state_machine_arn: config.state_machine_arn(),
            status: Status::Running,
            start_date: at(0).unix_millis(),
            stop_date: None,
            input: r#"{"n":1}"#.to_owned(),
            output: None,
            error: None,
            cause: None,
            definition_hash: definition_hash(definition),
            attributes: json!({ "roleArn": "arn:aws:iam::123456789012:role/r" }),
            redrive_count: 0,
            redrive_date: None,
        },
        definition: definition.to_owned(),
        started: execution.history().events()[0].clone(),
        checkpoint: execution.checkpoint(),
    }
}

fn event(id: u64, event_type: EventType) -> HistoryEvent {
    HistoryEvent::new(id, event_type, at(id as i64), json!({ "name": "A" }))
}

fn running_commit(events: Vec<HistoryEvent>, checkpoint: Checkpoint) -> Commit {
    Commit {
        events,
        checkpoint: Some(checkpoint),
        status: Status::Running,
        output: None,
        error: None,
        cause: None,
        stop_date: None,
    }
}

/// Starts, commits, ends and lists executions, and keeps resources, as the trait says.
pub(crate) async fn exercise(store: &dyn Store) {
    let first = new_execution("first");
    let arn = first.record.arn.clone();
    let checkpoint = first.checkpoint.clone();
    assert_eq!(store.start(first.clone()).await, Ok(Started::New));
    // The same ARN again: the stored one comes back, and nothing is written.
    let mut again = first.clone();
    again.record.input = "{}".to_owned();
    match store.start(again).await {
        Ok(Started::Existing(record)) => assert_eq!(record.input, r#"{"n":1}"#),
        other => panic!("expected the existing execution, got {other:?}"),
    }
    assert_eq!(
        store.definition(&first.record.definition_hash),
        Ok(Some(first.definition.clone()))
    );

    let events = vec![
        event(2, EventType::PassStateEntered),
        event(3, EventType::PassStateExited),
    ];
    store
        .commit(arn.clone(), running_commit(events, checkpoint.clone()))
        .await
        .expect("commits");
    // A commit that would leave a gap in the ids is refused, and writes nothing.
    let gap = store
        .commit(
            arn.clone(),
            running_commit(
                vec![event(5, EventType::PassStateEntered)],
                checkpoint.clone(),
            ),
        )
        .await;
    assert!(matches!(gap, Err(StoreError::Conflict(_))), "{gap:?}");
    let ids: Vec<u64> = store.history(&arn).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(store.event_count(&arn), Ok(3));
    assert_eq!(store.event_count("arn:missing"), Ok(0));

    // Map progress, by key, while the execution runs.
    store
        .record_progress(arn.clone(), "7/0".into(), 3, "{\"v\":3}".into())
        .await
        .unwrap();
    store
        .record_progress(arn.clone(), "7/0".into(), 1, "1".into())
        .await
        .unwrap();
    store
        .record_progress(arn.clone(), "7/1".into(), 0, "0".into())
        .await
        .unwrap();
    assert_eq!(
        store.progress(&arn, "7/0").unwrap(),
        [(1, "1".to_owned()), (3, "{\"v\":3}".to_owned())]
    );

    let second = new_execution("second");
    let second_arn = second.record.arn.clone();
    store.start(second).await.expect("starts");
    let running: Vec<String> = store
        .running()
        .unwrap()
        .into_iter()
        .map(|(r, _)| r.arn)
        .collect();
    assert_eq!(running, [arn.clone(), second_arn.clone()]);

    let end = Commit {
        events: vec![HistoryEvent::new(
            4,
            EventType::ExecutionSucceeded,
            at(4),
            json!({ "output": "{}" }),
        )],
        checkpoint: None,
        status: Status::Succeeded,
        output: Some("{}".to_owned()),
        error: None,
        cause: None,
        stop_date: Some(at(4).unix_millis()),
    };
    store.commit(arn.clone(), end).await.expect("ends");
    // An ended execution's progress is dropped, and takes no more.
    assert_eq!(store.progress(&arn, "7/0").unwrap(), []);
    store
        .record_progress(arn.clone(), "7/0".into(), 5, "5".into())
        .await
        .unwrap();
    assert_eq!(store.progress(&arn, "7/0").unwrap(), []);
    let record = store.execution(&arn).unwrap().expect("stored");
    assert_eq!(record.status, Status::Succeeded);
    assert_eq!(record.output.as_deref(), Some("{}"));
    assert_eq!(record.stop_date, Some(at(4).unix_millis()));
    // An ended execution takes no more commits.
    let late = store
        .commit(
            arn.clone(),
            running_commit(vec![event(5, EventType::PassStateEntered)], checkpoint),
        )
        .await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    let running: Vec<String> = store
        .running()
        .unwrap()
        .into_iter()
        .map(|(r, _)| r.arn)
        .collect();
    assert_eq!(running, std::slice::from_ref(&second_arn));
    // Newest first, and by state machine.
    let listed: Vec<String> = store
        .executions(Some(&record.state_machine_arn))
        .unwrap()
        .into_iter()
        .map(|r| r.arn)
        .collect();
    assert_eq!(listed, [second_arn.clone(), arn.clone()]);
    assert!(store.executions(Some("arn:other")).unwrap().is_empty());
    assert_eq!(store.execution("arn:missing"), Ok(None));

    // A failed execution keeps its last checkpoint and its progress, for a redrive.
    store
        .record_progress(second_arn.clone(), "2/0".into(), 0, "0".into())
        .await
        .unwrap();
    let failed = Commit {
        events: vec![HistoryEvent::new(
            2,
            EventType::ExecutionFailed,
            at(2),
            json!({ "error": "E" }),
        )],
        checkpoint: None,
        status: Status::Failed,
        output: None,
        error: Some("E".to_owned()),
        cause: None,
        stop_date: Some(at(2).unix_millis()),
    };
    store
        .commit(second_arn.clone(), failed)
        .await
        .expect("fails");
    let kept = store.checkpoint(&second_arn).unwrap().expect("kept");
    assert_eq!(store.progress(&second_arn, "2/0").unwrap().len(), 1);
    let redrive = |id: u64| Redrive {
        event: HistoryEvent::new(
            id,
            EventType::ExecutionRedriven,
            at(9),
            json!({ "redriveCount": 1 }),
        ),
        checkpoint: kept.clone(),
        date: at(9).unix_millis(),
    };
    // A succeeded execution, or an event that leaves a gap, is refused.
    let succeeded = store.redrive(arn.clone(), redrive(5)).await;
    assert!(
        matches!(succeeded, Err(StoreError::Conflict(_))),
        "{succeeded:?}"
    );
    let gap = store.redrive(second_arn.clone(), redrive(4)).await;
    assert!(matches!(gap, Err(StoreError::Conflict(_))), "{gap:?}");
    store
        .redrive(second_arn.clone(), redrive(3))
        .await
        .expect("redrives");
    let reopened = store.execution(&second_arn).unwrap().expect("stored");
    assert_eq!(reopened.status, Status::Running);
    assert_eq!((reopened.error, reopened.stop_date), (None, None));
    assert_eq!(reopened.redrive_count, 1);
    assert_eq!(reopened.redrive_date, Some(at(9).unix_millis()));
    assert_eq!(store.history(&second_arn).unwrap().len(), 3);
    assert_eq!(store.running().unwrap().len(), 1);
    assert_eq!(store.progress(&second_arn, "2/0").unwrap().len(), 1);

    store
        .put_resource("stateMachine", "arn:b".into(), json!({ "v": 1 }))
        .await
        .unwrap();
    store
        .put_resource("stateMachine", "arn:a".into(), json!({ "v": 2 }))
        .await
        .unwrap();
    store
        .put_resource("stateMachine", "arn:b".into(), json!({ "v": 3 }))
        .await
        .unwrap();
    store
        .put_resource("activity", "arn:c".into(), json!({ "v": 4 }))
        .await
        .unwrap();
    // Replacing keeps the first position; kinds are separate.
    assert_eq!(
        store.resources("stateMachine").unwrap(),
        [json!({ "v": 3 }), json!({ "v": 2 })]
    );
    assert_eq!(
        store.resource("stateMachine", "arn:a").unwrap(),
        Some(json!({ "v": 2 }))
    );
    assert_eq!(store.resource("activity", "arn:a").unwrap(), None);
    assert!(
        store
            .delete_resource("stateMachine", "arn:a".into())
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_resource("stateMachine", "arn:a".into())
            .await
            .unwrap()
    );
    assert_eq!(store.resources("stateMachine").unwrap().len(), 1);
}

#[tokio::test]
async fn the_memory_store_keeps_the_contract() {
    exercise(&MemoryStore::new()).await;
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;
    use crate::store::SqliteStore;

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "workflow-store-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[tokio::test]
    async fn the_sqlite_store_keeps_the_contract_and_its_data_across_reopening() {
        let dir = temp_dir();
        let path = dir.join("store.db");
        {
            let store = SqliteStore::open(&path).expect("opens");
            exercise(&store).await;
        }
        let store = SqliteStore::open(&path).expect("reopens");
        let running = store.running().unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].0.name, "second");
        assert_eq!(store.resources("stateMachine").unwrap().len(), 1);
        let first = new_execution("first").record.arn;
        assert_eq!(store.history(&first).unwrap().len(), 4);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn commits_from_many_tasks_at_once_all_land() {
        let dir = temp_dir();
        let store = std::sync::Arc::new(SqliteStore::open(dir.join("store.db")).unwrap());
        let mut tasks = Vec::new();
        for i in 0..200 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let new = new_execution(&format!("e{i}"));
                let arn = new.record.arn.clone();
                let checkpoint = new.checkpoint.clone();
                store.start(new).await.unwrap();
                store
                    .commit(
                        arn,
                        running_commit(vec![event(2, EventType::PassStateEntered)], checkpoint),
                    )
                    .await
                    .unwrap();
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(store.running().unwrap().len(), 200);
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_second_process_cannot_open_the_same_store() {
        let dir = temp_dir();
        let path = dir.join("store.db");
        let _first = SqliteStore::open(&path).unwrap();
        // The lock is per open file description, so a second open in this process stands
        // for a second process.
        match SqliteStore::open(&path) {
            Err(StoreError::Locked(shown)) => assert!(shown.ends_with("store.db")),
            Err(other) => panic!("expected Locked, got {other}"),
            Ok(_) => panic!("expected Locked, got a second store"),
        }
    }

    #[test]
    fn a_file_that_is_not_a_database_is_reported_not_reset() {
        let dir = temp_dir();
        let path = dir.join("store.db");
        let garbage = b"this is not a database, it is a text file ".repeat(200);
        std::fs::write(&path, &garbage).unwrap();
        match SqliteStore::open(&path) {
            Err(error @ StoreError::Corrupt { .. }) => {
                assert!(error.to_string().contains("is corrupt"), "{error}");
            }
            Err(other) => panic!("expected Corrupt, got {other}"),
            Ok(_) => panic!("expected Corrupt, got a store"),
        }
        // Untouched.
        assert_eq!(std::fs::read(&path).unwrap(), garbage);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = temp_dir();
        let path = dir.join("store.db");
        drop(SqliteStore::open(&path).unwrap());
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA user_version = 99").unwrap();
        }
        match SqliteStore::open(&path) {
            Err(StoreError::NewerSchema {
                found, supported, ..
            }) => assert_eq!((found, supported), (99, SqliteStore::SCHEMA_VERSION)),
            Err(other) => panic!("expected NewerSchema, got {other}"),
            Ok(_) => panic!("expected NewerSchema, got a store"),
        }
    }

    #[tokio::test]
    async fn a_version_1_file_is_migrated_and_keeps_its_executions() {
        let dir = temp_dir();
        let path = dir.join("store.db");
        let execution = new_execution("old");
        {
            // A file as version 1 of this program wrote it.
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(crate::store::sqlite::MIGRATIONS[0])
                .unwrap();
            conn.execute_batch("PRAGMA user_version = 1").unwrap();
            conn.execute(
                "INSERT INTO executions (arn, state_machine_arn, status, record, checkpoint, events)
                 VALUES (?1, ?2, 'RUNNING', ?3, ?4, 1)",
                rusqlite::params![
                    execution.record.arn,
                    execution.record.state_machine_arn,
                    serde_json::to_string(&execution.record).unwrap(),
                    serde_json::to_string(&execution.checkpoint).unwrap(),
                ],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO events (execution, id, event) VALUES (1, 1, ?1)",
                [serde_json::to_string(&execution.started).unwrap()],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).expect("migrates");
        let running = store.running().unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(running[0].0, execution.record);
        assert_eq!(store.history(&execution.record.arn).unwrap().len(), 1);
        // Version 2's progress table is there.
        store
            .record_progress(execution.record.arn.clone(), "2/0".into(), 0, "1".into())
            .await
            .unwrap();
        assert_eq!(
            store.progress(&execution.record.arn, "2/0").unwrap(),
            [(0, "1".to_owned())]
        );
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    }

    #[test]
    fn a_new_file_is_migrated_to_the_current_schema_with_wal_and_full_sync() {
        let dir = temp_dir();
        let path = dir.join("store.db");
        drop(SqliteStore::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SqliteStore::SCHEMA_VERSION);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN
                 ('executions', 'events', 'definitions', 'resources', 'progress')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 5);
    }
}
