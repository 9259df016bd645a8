package org.kernsim.protocol.wqlife;

import org.kernsim.protocol.WireMessage;

/** Operations on the {@code wq_pool_mutex}-protected pool table, by the mutex's holder. */
public sealed interface PoolsRequest extends WireMessage
    permits PoolsRequest.GetUnboundPool, PoolsRequest.PutUnboundPool {

  /**
   * {@code get_unbound_pool(attrs)}: the hashed pool with these attributes ({@code refcnt++}), or a
   * new one ({@code init_worker_pool()}, refcnt 1).
   */
  record GetUnboundPool(int holder, long token, int attrs) implements PoolsRequest {}

  /**
   * {@code put_unbound_pool()}'s first step: {@code if (--pool->refcnt) return;} else {@code
   * idr_remove()} and {@code hash_del()}: nobody can find the pool any more.
   */
  record PutUnboundPool(int holder, long token, int pool) implements PoolsRequest {}
}
