import { checkLedger, readLedgerInput } from './ledger.ts';
for (const p of checkLedger(readLedgerInput(process.cwd()))) console.log(`[${p.rule}] ${p.message}`);
