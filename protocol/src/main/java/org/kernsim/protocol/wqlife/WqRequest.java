package org.kernsim.protocol.wqlife;

import java.util.List;
import org.kernsim.protocol.WireMessage;
import org.kernsim.protocol.workqueue.WorkItem;

/**
 * Messages to a {@code struct workqueue_struct} (the entity that holds {@code wq->mutex}, its pwq
 * table and {@code wq->maydays}). Those with a {@code holder} are done with {@code wq->mutex} held
 * (or {@code wq_mayday_lock}); {@link QueueWork} is {@code __queue_work()}'s lockless,
 * RCU-protected read of {@code wq->cpu_pwq}.
 */
public sealed interface WqRequest extends WireMessage
    permits WqRequest.QueueWork,
        WqRequest.InstallPwqs,
        WqRequest.SetFlags,
        WqRequest.ListPwqs,
        WqRequest.UnlinkPwq,
        WqRequest.TakeBaseRefs,
        WqRequest.Mayday,
        WqRequest.NextMayday,
        WqRequest.ClearRescuer {

  /**
   * {@code __queue_work()} on CPU {@code cpu}: pick {@code wq->cpu_pwq[cpu]} (under RCU) and go on
   * at its pool. {@code chained}: queued by a work item of this workqueue (allowed while draining).
   */
  record QueueWork(int requester, int cpu, long reqId, WorkItem item, boolean chained)
      implements WqRequest {}

  /**
   * {@code apply_wqattrs_commit()} / {@code alloc_and_link_pwqs()}: with {@code wq->mutex} held,
   * {@code install_unbound_pwq()} each CPU's pwq ({@code link_pwq()}, swap the pointer) and the
   * default pwq; the answer returns the old ones ({@link LifeReply.Installed}).
   */
  record InstallPwqs(int holder, long token, int attrs, List<PwqRef> cpuPwqs, PwqRef dfl)
      implements WqRequest {}

  /** {@code wq->flags} |= or &= ~ __WQ_DESTROYING / __WQ_DRAINING (under {@code wq->mutex}). */
  record SetFlags(int holder, long token, boolean destroying, boolean draining)
      implements WqRequest {}

  /** {@code for_each_pwq()} under {@code wq->mutex}. */
  record ListPwqs(int holder, long token) implements WqRequest {}

  /**
   * {@code pwq_release_workfn()}: {@code list_del_rcu(&pwq->pwqs_node)} under {@code wq->mutex};
   * the answer says whether it was the last.
   */
  record UnlinkPwq(int holder, long token, long pwq) implements WqRequest {}

  /**
   * {@code destroy_workqueue()}'s end: take each CPU's pwq and the default pwq out of their slots
   * ({@code RCU_INIT_POINTER(..., NULL)}) to put their base references.
   */
  record TakeBaseRefs(int holder, long token) implements WqRequest {}

  /**
   * {@code send_mayday()} from {@code pool_mayday_timeout()}: the pool pinned {@code pwq} and marks
   * it; add it to {@code wq->maydays} and {@code wake_up_process(wq->rescuer->task)}.
   */
  record Mayday(long pwq, int pool) implements WqRequest {}

  /** {@code rescuer_thread()}: the first pwq of {@code wq->maydays} ({@code wq_mayday_lock}). */
  record NextMayday(int rescuer, long token) implements WqRequest {}

  /** {@code destroy_workqueue()}: {@code wq->rescuer = NULL} under {@code wq_mayday_lock}. */
  record ClearRescuer(int holder, long token) implements WqRequest {}
}
