// Every source keeps its row in source_cursors from its first applied run on, with the mapping rules its
// users were last mapped under (a worker's start compares them with the config's: reconcile.ts
// `seatSettingsChanged`), also when it has nothing to resume a read from: a file source, or a directory
// that offers no cursor. Such a row's cursor is null, and its next read is full.
export const sql = `
ALTER TABLE source_cursors ALTER COLUMN cursor DROP NOT NULL;
`;
