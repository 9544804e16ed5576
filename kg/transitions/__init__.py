"""Career transitions between O*NET-SOC occupations: profiles read from the built store
(`profiles`), similarity components and their blend (`components`, `score`), the explanation of a
pair (`explain`) and the graph stage that writes the top N per occupation (`stage`).

O*NET's Related Occupations are the held-out truth of the benchmark: nothing here reads
skos:related or any relatedness data.
"""
