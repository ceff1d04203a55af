import type { PolicyView } from './content.js';

/**
 * The working days left before an application window closes, said plainly. The count comes from
 * the working-day calendar (holidays and 调休 included) and counts today when today is a working day.
 */
export function workingDaysLine({ workingDaysLeft }: { workingDaysLeft: number }): string {
  if (workingDaysLeft <= 0) return '截止前已没有工作日，受理部门可能不再办理现场申报，请尽快按政策规定的方式提交。';
  if (workingDaysLeft === 1) return '截止前只剩今天 1 个工作日（已扣除周末和法定节假日），请今天完成提交。';
  return `截止前还剩 ${workingDaysLeft} 个工作日（含今天，已扣除周末和法定节假日，计入调休上班日），请抓紧准备材料。`;
}

/** What is left to do before the window closes, in the order an applicant does it. */
export function reminderTodo({ view, workingDaysLeft }: { view: PolicyView; workingDaysLeft: number }): string[] {
  const closesAt = view.applicationWindow?.closesAt ?? '';
  const todo = ['对照政策原文的申报条件，确认本单位符合要求', '按政策要求准备申报材料'];
  todo.push(workingDaysLeft > 0 ? `在 ${closesAt} 截止前提交申报（剩余 ${workingDaysLeft} 个工作日）` : `在 ${closesAt} 截止前按政策规定的方式提交申报`);
  return todo;
}
