package org.kernsim.protocol.mutex;

import org.kernsim.protocol.WireMessage;

/**
 * What a mutex publishes for checkers (a lock-order checker) and timelines: each acquisition and
 * release, by which task on which CPU.
 */
public sealed interface MutexNote extends WireMessage
    permits MutexNote.Acquired, MutexNote.Released, MutexNote.Waiting {

  /** {@code holder} holds {@code mutex} from now on (after {@code waitedNanos} asleep). */
  record Acquired(int mutex, int holder, int cpu, long waitedNanos) implements MutexNote {}

  /** {@code holder} released {@code mutex}. */
  record Released(int mutex, int holder, int cpu) implements MutexNote {}

  /** {@code waiter} sleeps on {@code mutex}, held by {@code holder}. */
  record Waiting(int mutex, int waiter, int cpu, int holder) implements MutexNote {}
}
