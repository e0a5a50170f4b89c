import type { Queue, Worker } from 'bullmq';
import { Gauge, Histogram, type Registry } from 'prom-client';

/**
 * A worker's queue metrics: step durations by step and outcome, and, read from Redis when scraped,
 * each queue's jobs by state and the age of its oldest waiting job. Returns what attaches a
 * Worker's completed and failed events to the durations.
 */
export function queueMetrics(registry: Registry, queues: Queue[]): (worker: Worker) => void {
  const durations = new Histogram({
    name: 'hiregraph_job_duration_seconds',
    help: 'Run steps processed by this worker, by step and outcome',
    labelNames: ['step', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  new Gauge({
    name: 'hiregraph_queue_jobs',
    help: 'Jobs in the run queues, by queue and state (read from Redis when scraped)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      for (const q of queues) {
        const counts = await q
          .getJobCounts('waiting', 'active', 'delayed', 'failed', 'waiting-children', 'prioritized')
          .catch(() => ({}));
        for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
      }
    },
  });
  new Gauge({
    name: 'hiregraph_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each run queue, 0 when none waits (read from Redis when scraped)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      for (const q of queues) {
        // Prioritized jobs wait in a set ordered by priority, not age: the oldest is looked for among the first few.
        const jobs = await q.getJobs(['waiting', 'prioritized'], 0, 99, true).catch(() => []);
        const oldest = Math.min(...jobs.map((j) => j.timestamp));
        this.set({ queue: q.name }, Number.isFinite(oldest) ? Math.max(0, (Date.now() - oldest) / 1000) : 0);
      }
    },
  });
  const observe = (job: { name: string; processedOn?: number; finishedOn?: number } | undefined, outcome: string) => {
    if (job?.processedOn && job.finishedOn)
      durations.observe({ step: job.name, outcome }, (job.finishedOn - job.processedOn) / 1000);
  };
  return (worker) => {
    worker.on('completed', (job) => observe(job, 'completed'));
    worker.on('failed', (job) => observe(job, 'failed'));
  };
}
