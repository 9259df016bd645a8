package org.kernsim.actors.kprobes;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.kernsim.engine.Context;
import org.kernsim.engine.Latency;

/** A Context for driving one entity by hand in a unit test: it records what the entity does. */
final class FakeContext implements Context {
  record Sent(int to, Object message) {}

  long now;
  final int self;
  final List<Sent> sent = new ArrayList<>();
  final List<Object> timers = new ArrayList<>();
  final List<String> violations = new ArrayList<>();
  final List<Object> notes = new ArrayList<>();
  private final SplittableRandom random = new SplittableRandom(1);

  FakeContext(int self) {
    this.self = self;
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public int self() {
    return self;
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  @Override
  public void send(int to, Object message, Latency latency) {
    sent.add(new Sent(to, message));
  }

  @Override
  public void sendAfter(int to, Object message, long delayNanos) {
    sent.add(new Sent(to, message));
  }

  @Override
  public void startTimer(Object key, long delayNanos, Object message) {
    timers.add(message);
  }

  @Override
  public void cancelTimer(Object key) {}

  @Override
  public boolean timerActive(Object key) {
    return false;
  }

  @Override
  public void trace(Object note) {
    notes.add(note);
  }

  @Override
  public boolean tracing() {
    return true;
  }

  @Override
  public void violation(String checker, String message) {
    violations.add(checker + ": " + message);
  }

  @Override
  public void count(String metric, long delta) {}

  @Override
  public void record(String metric, long value) {}

  @Override
  public String name(int entity) {
    return "e" + entity;
  }
}
