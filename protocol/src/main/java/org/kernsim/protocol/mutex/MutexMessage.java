package org.kernsim.protocol.mutex;

import org.kernsim.protocol.WireMessage;

/**
 * A sleeping kernel mutex ({@code struct mutex}: {@code wq_pool_mutex}, {@code
 * wq_pool_attach_mutex}, {@code wq->mutex}...) as an entity: {@code mutex_lock()} is {@link Lock},
 * answered by {@link Granted} (uncontended: the caller goes on) or {@link Contended} (the caller
 * sleeps until a later {@link Granted} hands the mutex over); {@code mutex_unlock()} is {@link
 * Unlock}, which hands the mutex to the first waiter.
 */
public sealed interface MutexMessage extends WireMessage
    permits MutexMessage.Lock, MutexMessage.Unlock, MutexMessage.Granted, MutexMessage.Contended {

  /** {@code mutex_lock()} by {@code requester} (a task) running on {@code cpu}. */
  record Lock(int requester, long token, int cpu) implements MutexMessage {}

  /** {@code mutex_unlock()} by the holder. */
  record Unlock(int holder, int cpu) implements MutexMessage {}

  /** The mutex {@code mutex} is now held by the requester of {@code token}. */
  record Granted(int mutex, long token) implements MutexMessage {}

  /** The mutex is held by {@code holder}: sleep until {@link Granted}. */
  record Contended(int mutex, long token, int holder) implements MutexMessage {}
}
