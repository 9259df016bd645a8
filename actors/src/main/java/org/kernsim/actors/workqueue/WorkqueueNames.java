package org.kernsim.actors.workqueue;

import org.kernsim.protocol.workqueue.WorkItem;

/**
 * Which workqueue a work item belongs to, for the lock-order checker: {@code process_one_work()}
 * holds the workqueue's lockdep map, {@code (wq_completion)NAME}, while the item's function runs,
 * so that flushing a workqueue from one of its own items shows as a cycle. A model that annotates
 * its workqueues gives its kworkers one ({@link PoolWorker#setWorkqueueNames}).
 */
public interface WorkqueueNames {
  /** The name of {@code item}'s workqueue, or null to leave it unannotated. */
  String of(WorkItem item);
}
