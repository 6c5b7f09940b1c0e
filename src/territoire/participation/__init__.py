"""Citizens at the heart: data projects explained (transparency sheets, questions and answers,
results followed with measured effects), consultations, proposals with comments and supports,
moderation, and the participants' own accounts and data."""
