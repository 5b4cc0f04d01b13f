// Filled in by the store harness: starts shared services (PostgreSQL) once per test run.
export default function setup(): void {}
