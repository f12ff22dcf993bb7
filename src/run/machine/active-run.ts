import type { Plan } from "../../dag/plan";
import type { RunState } from "../types";
import { RunIndex } from "./run-index";

/** A run as the machine works on it: its state (what is stored), its plan, and the in-memory index. */
export interface ActiveRun {
  state: RunState;
  plan: Plan;
  index: RunIndex;
}

/** Wraps a run's state (new or loaded from storage) for the machine: the index is built from its tasks. */
export function activate(state: RunState, plan: Plan): ActiveRun {
  return { state, plan, index: RunIndex.build(state.tasks) };
}
