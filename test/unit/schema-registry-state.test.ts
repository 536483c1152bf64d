// The registry's state machine: ids, versions, staleness and deletes as Confluent defines them.

import { describe, expect, it } from 'vitest';
import { applyRegistryCommand, emptyRegistry, liveVersions, type RegistryCommand, type RegistryState } from '../../src/domain/schemas/registry';

const change = { at: 1_000, actor: 'test' };
const register = (state: RegistryState, subject: string, schema: string, basedOn = state.revision) =>
  applyRegistryCommand(state, { type: 'RegisterSchema', subject, schemaType: 'AVRO', schema, basedOn, ...change });
const apply = (state: RegistryState, command: Omit<RegistryCommand, 'at' | 'actor'>) => applyRegistryCommand(state, { ...command, ...change } as RegistryCommand);

describe('registry state', () => {
  it('gives one id to one schema across subjects, and a new version only for a new schema', () => {
    const state = emptyRegistry();
    expect(register(state, 'a-value', '"string"')).toMatchObject({ ok: true, id: 1, version: 1, existing: false });
    expect(register(state, 'b-value', '"string"')).toMatchObject({ ok: true, id: 1, version: 1, existing: false });
    expect(register(state, 'a-value', '"string"')).toMatchObject({ ok: true, id: 1, version: 1, existing: true });
    expect(register(state, 'a-value', '"long"')).toMatchObject({ ok: true, id: 2, version: 2 });
  });

  it('refuses a registration checked against an older revision as STALE, unless it is already there', () => {
    const state = emptyRegistry();
    register(state, 'a-value', '"string"');
    const checkedAt = state.revision;
    register(state, 'a-value', '"long"');
    expect(register(state, 'a-value', '"int"', checkedAt)).toMatchObject({ ok: false, code: 'STALE' });
    expect(register(state, 'a-value', '"long"', checkedAt)).toMatchObject({ ok: true, existing: true });
  });

  it('never reuses an id after deletes, and keeps numbering versions past soft-deleted ones', () => {
    const state = emptyRegistry();
    register(state, 'a-value', '"string"');
    register(state, 'a-value', '"long"');
    expect(apply(state, { type: 'DeleteSchemaVersion', subject: 'a-value', version: 2, permanent: true })).toMatchObject({ ok: false, code: 'VERSION_NOT_SOFT_DELETED' });
    expect(apply(state, { type: 'DeleteSchemaVersion', subject: 'a-value', version: 2, permanent: false })).toMatchObject({ ok: true });
    expect(register(state, 'a-value', '"int"')).toMatchObject({ id: 3, version: 3 });
    expect(apply(state, { type: 'DeleteSubject', subject: 'a-value', permanent: false })).toMatchObject({ ok: true, versions: [1, 3] });
    expect(apply(state, { type: 'DeleteSubject', subject: 'a-value', permanent: true })).toMatchObject({ ok: true, versions: [1, 2, 3] });
    expect(register(state, 'a-value', '"boolean"')).toMatchObject({ id: 4, version: 1 });
    // The same content gets its old id back: ids belong to schemas, not to versions.
    expect(register(state, 'a-value', '"long"')).toMatchObject({ id: 2, version: 2 });
  });

  it('holds proposals under REVIEW, refuses all changes under LOCKED, and audits each applied change', () => {
    const state = emptyRegistry();
    register(state, 'p-value', '"string"');
    apply(state, { type: 'SetChangePolicy', subject: 'p-value', policy: 'REVIEW', reason: 'regulated' });
    expect(register(state, 'p-value', '"bytes"')).toMatchObject({ ok: false, code: 'POLICY_FORBIDS' });
    const proposed = apply(state, { type: 'ProposeSchema', proposal: 'x1', subject: 'p-value', schemaType: 'AVRO', schema: '"bytes"', basedOn: state.revision });
    expect(proposed).toMatchObject({ ok: true, type: 'SchemaProposed', proposal: { status: 'PENDING' } });
    expect(liveVersions(state.subjects.get('p-value'))).toHaveLength(1);
    expect(apply(state, { type: 'DecideProposal', proposal: 'x1', approve: true, comment: 'ok', basedOn: state.revision })).toMatchObject({ ok: true, proposal: { status: 'APPROVED', version: 2 } });
    expect(apply(state, { type: 'DecideProposal', proposal: 'x1', approve: false, comment: 'no', basedOn: state.revision })).toMatchObject({ ok: false, code: 'PROPOSAL_DECIDED' });
    apply(state, { type: 'SetChangePolicy', subject: 'p-value', policy: 'LOCKED' });
    expect(apply(state, { type: 'ProposeSchema', proposal: 'x2', subject: 'p-value', schemaType: 'AVRO', schema: '"int"', basedOn: state.revision })).toMatchObject({ ok: false, code: 'POLICY_FORBIDS' });
    expect(state.audit.map((e) => e.action)).toEqual(['REGISTER_SCHEMA', 'SET_CHANGE_POLICY', 'PROPOSE_SCHEMA', 'APPROVE_SCHEMA', 'SET_CHANGE_POLICY']);
    expect(state.audit[1]).toMatchObject({ actor: 'test', reason: 'regulated', detail: 'AUTO → REVIEW' });
  });
});
