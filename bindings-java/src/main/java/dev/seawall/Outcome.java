package dev.seawall;

/** How a call ended, as the caller classified it. */
public enum Outcome {
  SUCCESS, FAILURE,
  /** Says nothing about the dependency's health (a half-open probe gives its slot back). */
  IGNORED;
}
