package org.kernsim.protocol.workqueue;

import org.kernsim.protocol.WireMessage;

/**
 * A worker {@code set_worker_dying()} moved to the cull list: the task {@code reap_dying_workers()}
 * will {@code kthread_stop_put()}, with the sleep its wake-up must name.
 */
public record DyingWorker(int worker, long incarnation, long epoch) implements WireMessage {}
