"""From measurements to decisions: an application profile (capabilities and their traits) and
finished run directories -> a call per capability, with the measured numbers it rests on.
Reads only run directories (../shared/DESIGN.md, validity rule 7)."""
