fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lang = agent_audit::lang::language_of(&path).unwrap();
    let f = agent_audit::lang::parse(lang, &path, &text, "");
    println!("module {}", f.module);
    for i in &f.imports { println!("import {} = {} @{}", i.local, i.target, i.line); }
    for (n, x) in f.functions.iter().enumerate() { println!("fn#{n} {} q={} class={:?} parent={:?} L{}-{} params={:?}", x.name, x.qualname, x.class, x.parent, x.span.start_line, x.span.end_line, x.params.iter().map(|p| p.name.clone()).collect::<Vec<_>>()); }
    for c in &f.calls { println!("call {} scope={:?} L{} args={}", c.callee_text, c.scope, c.span.start_line, c.call.args.iter().map(|a| format!("{}={}", a.name.as_deref().unwrap_or("_"), a.value.display())).collect::<Vec<_>>().join(", ")); }
    for a in &f.assignments { println!("assign {} = {} scope={:?} L{} bytes {}-{}", a.target.display(), a.value.display(), a.scope, a.span.start_line, a.span.start_byte, a.span.end_byte); }
    for d in &f.dispatches { println!("dispatch {} == {} scope={:?} L{}", d.subject, d.value, d.scope, d.line); }
    for c in &f.checks { println!("check {:?} exit={:?} words={:?} scope={:?}", c.text, c.exit, c.words, c.scope); }
}
