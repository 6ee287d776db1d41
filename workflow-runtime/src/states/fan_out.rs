//! Runs Parallel branches and Map iterations concurrently on the execution's own task.
//!
//! The jobs borrow the interpreter and the state's data, so they are not spawned (which
//! needs `'static`); instead a [`FanOut`] polls them itself, each with a waker of its own
//! that queues the job's index, so a wake-up polls only the jobs that can make progress.
//! Dropping a `FanOut` drops the jobs still running: that is how a failed branch stops
//! the others.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

type Job<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Concurrent jobs, each known by the index [`FanOut::push`] gave it.
pub(crate) struct FanOut<'a, T> {
    /// The jobs by index; `None` once finished.
    jobs: Vec<Option<Job<'a, T>>>,
    wakers: Vec<Waker>,
    ready: Arc<Ready>,
    running: usize,
}

/// The indexes of the jobs woken since they were last polled, and the waker of the task
/// that polls the [`FanOut`].
#[derive(Default)]
struct Ready(Mutex<ReadyQueue>);

#[derive(Default)]
struct ReadyQueue {
    indexes: VecDeque<usize>,
    parent: Option<Waker>,
}

impl Ready {
    fn lock(&self) -> MutexGuard<'_, ReadyQueue> {
        // Nothing can panic while the lock is held; a poisoned queue is still consistent.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wake(&self, index: usize) {
        let parent = {
            let mut queue = self.lock();
            queue.indexes.push_back(index);
            queue.parent.clone()
        };
        // Woken outside the lock: the parent's waker may run code of its own.
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

/// The waker of one job.
struct JobWaker {
    index: usize,
    ready: Arc<Ready>,
}

impl Wake for JobWaker {
    fn wake(self: Arc<Self>) {
        self.ready.wake(self.index);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.wake(self.index);
    }
}

impl<'a, T> FanOut<'a, T> {
    pub fn new() -> Self {
        FanOut {
            jobs: Vec::new(),
            wakers: Vec::new(),
            ready: Arc::default(),
            running: 0,
        }
    }

    /// Adds a job, first polled by the next [`FanOut::next`]; returns its index (0, 1, ...).
    pub fn push(&mut self, job: impl Future<Output = T> + Send + 'a) -> usize {
        let index = self.jobs.len();
        self.jobs.push(Some(Box::pin(job)));
        self.wakers.push(Waker::from(Arc::new(JobWaker {
            index,
            ready: self.ready.clone(),
        })));
        self.running += 1;
        self.ready.lock().indexes.push_back(index);
        index
    }

    /// How many jobs have not finished.
    pub fn running(&self) -> usize {
        self.running
    }

    /// The indexes of the jobs that have not finished, in order.
    pub fn unfinished(&self) -> impl Iterator<Item = usize> + '_ {
        self.jobs
            .iter()
            .enumerate()
            .filter_map(|(i, job)| job.as_ref().map(|_| i))
    }

    /// The next job to finish, with its index; `None` when none is running.
    pub async fn next(&mut self) -> Option<(usize, T)> {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(usize, T)>> {
        if self.running == 0 {
            return Poll::Ready(None);
        }
        // Stored before the queue is read, so a wake-up after the read reaches this task.
        let budget = {
            let mut queue = self.ready.lock();
            queue.parent = Some(cx.waker().clone());
            queue.indexes.len()
        };
        // Poll at most the jobs queued on entry: a job that wakes itself at every poll must
        // not keep this task (and tokio's timers) from running.
        for _ in 0..budget {
            let Some(index) = self.ready.lock().indexes.pop_front() else {
                return Poll::Pending;
            };
            let (Some(Some(job)), Some(waker)) = (self.jobs.get_mut(index), self.wakers.get(index))
            else {
                continue; // finished already; a late or repeated wake-up
            };
            if let Poll::Ready(output) = job.as_mut().poll(&mut Context::from_waker(waker)) {
                self.jobs[index] = None;
                self.running -= 1;
                return Poll::Ready(Some((index, output)));
            }
        }
        if !self.ready.lock().indexes.is_empty() {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn jobs_run_at_once_and_finish_in_their_own_order() {
        let start = tokio::time::Instant::now();
        let mut fan = FanOut::new();
        for (i, secs) in [3u64, 1, 2].into_iter().enumerate() {
            fan.push(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                i
            });
        }
        let mut order = Vec::new();
        while let Some((index, value)) = fan.next().await {
            assert_eq!(index, value);
            order.push(index);
        }
        assert_eq!(order, [1, 2, 0]);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_stops_the_unfinished_jobs() {
        let finished = Arc::new(Mutex::new(Vec::new()));
        let mut fan = FanOut::new();
        for secs in [1u64, 5] {
            let finished = finished.clone();
            fan.push(async move {
                tokio::time::sleep(Duration::from_secs(secs)).await;
                finished.lock().unwrap().push(secs);
            });
        }
        assert_eq!(fan.next().await.map(|(i, ())| i), Some(0));
        assert_eq!(fan.unfinished().collect::<Vec<_>>(), [1]);
        drop(fan);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(*finished.lock().unwrap(), [1]);
    }

    #[tokio::test]
    async fn a_job_that_always_yields_does_not_starve_the_others() {
        let mut fan = FanOut::new();
        fan.push(async {
            for _ in 0..1000 {
                tokio::task::yield_now().await;
            }
            "slow"
        });
        fan.push(async { "fast" });
        assert_eq!(fan.next().await, Some((1, "fast")));
        assert_eq!(fan.next().await, Some((0, "slow")));
        assert_eq!(fan.next().await, None);
    }
}
