// Warns the way adapters do: warnLoudly twice with the same key, warnOnce once.
import { warnLoudly, warnOnce } from '@runproof/core/adapter';

warnLoudly('boundary-off', 'runproof: boundaries are off for runs named "triage"; fix the policy key.');
warnLoudly('boundary-off', 'runproof: boundaries are off for runs named "triage"; fix the policy key.');
warnOnce('detail', 'runproof: a detail for OpenTelemetry diag users');
process.stdout.write('done\n');
