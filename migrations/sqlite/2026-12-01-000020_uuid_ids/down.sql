-- Nothing to undo: the periods' former `initial-` ids are not restored.
SELECT 1;
