"""python -m fgc_collect.template: regenerate the committed blank template."""

from fgc_collect.template import write_committed_template

print(write_committed_template())
