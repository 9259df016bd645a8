package org.kernsim.cli;

/** The cluster did not form or a node could not start (exit code 4). */
final class ClusterUnavailable extends RuntimeException {
  ClusterUnavailable(String message) {
    super(message);
  }
}
